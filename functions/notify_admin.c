/* notify_admin: the last step of the signup example. Publishes a summary of
 * a signup (successful, or with the verification email failed) to the host
 * topic "admin" and, when ADMIN_WEBHOOK_URL is set, POSTs it there as JSON.
 * Returns {notificationId, topic, event, userId, email, emailSent, ...}. */
#include <sluice.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signup.h"

#define TOPIC "admin"

int init(sl_context *ctx);
int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
init(sl_context *ctx)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sl_error(ctx, "ConfigurationError",
		    "curl_global_init failed");
	return 0;
}

/* A string member of obj, or dflt. */
static const char *
str_or(const cJSON *obj, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* Discard the webhook's reply body. */
static size_t
discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* POST body to url as JSON. Returns the HTTP status (2xx), or -1 with
 * WebhookFailed set (no connection, timeout, or another status). */
static long
post_webhook(sl_context *ctx, const char *url, const char *body,
    const char *id)
{
	char errbuf[CURL_ERROR_SIZE] = "", idhdr[128];
	struct curl_slist *hdrs = NULL;
	long code = 0, timeout;
	CURLcode res;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return sl_error(ctx, "WebhookFailed", "curl_easy_init failed");
	snprintf(idhdr, sizeof(idhdr), "X-Sluice-Notification-Id: %s", id);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, idhdr);
	timeout = (long)sl_remaining_ms(ctx) - 200;
	if (timeout < 100)
		timeout = 100;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "sluice-notify_admin/1");
	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (res != CURLE_OK)
		return sl_error(ctx, "WebhookFailed",
		    "cannot POST to the admin webhook: %s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res));
	if (code < 200 || code > 299)
		return sl_error(ctx, "WebhookFailed",
		    "the admin webhook answered HTTP %ld", code);
	return code;
}

/* The readable part of a workflow error's Cause: a Lambda error's Cause is
 * its error payload as JSON text, whose errorMessage is what people want to
 * read; any other Cause is used as it is. The caller frees the result. */
static char *
cause_text(const char *cause)
{
	cJSON *j = cJSON_Parse(cause);
	const char *msg = str_or(j, "errorMessage", cause);
	char *s = strdup(msg);

	cJSON_Delete(j);
	return s;
}

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	char id[SIGNUP_UUID_LEN + 1], at[SIGNUP_TIME_LEN + 1];
	const char *user_id, *email, *name, *kind, *err_name = NULL, *hook;
	char *cause = NULL, *text = NULL, *json = NULL;
	const cJSON *error, *sent;
	cJSON *msg = NULL, *res = NULL;
	long status = 0;
	int failed, rc = -1;

	if (!cJSON_IsObject(event))
		return sl_error(ctx, "ValidationError",
		    "event: must be a JSON object describing the signup");
	user_id = str_or(event, "userId", NULL);
	email = str_or(event, "email", NULL);
	name = str_or(event, "name", NULL);
	if (email == NULL)
		return sl_error(ctx, "ValidationError",
		    "email: the summary needs the user's address");
	error = cJSON_GetObjectItemCaseSensitive(event, "error");
	sent = cJSON_GetObjectItemCaseSensitive(event, "emailSent");
	failed = (error != NULL && !cJSON_IsNull(error)) || cJSON_IsFalse(sent);
	kind = failed ? "VerificationEmailFailed" : "UserSignedUp";
	if (failed) {
		/* The Catch path hands over the error object {Error, Cause}. */
		err_name = str_or(error, "Error", "Unknown");
		cause = cause_text(str_or(error, "Cause", "no cause given"));
		if (cause == NULL)
			return sl_error(ctx, "PublishFailed", "out of memory");
	}
	if (signup_uuid(id) == -1) {
		free(cause);
		return sl_error(ctx, "PublishFailed", "getrandom failed");
	}
	signup_now_rfc3339(at);

	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "notificationId", id);
	cJSON_AddStringToObject(msg, "event", kind);
	if (user_id != NULL)
		cJSON_AddStringToObject(msg, "userId", user_id);
	cJSON_AddStringToObject(msg, "email", email);
	if (name != NULL)
		cJSON_AddStringToObject(msg, "name", name);
	cJSON_AddBoolToObject(msg, "emailSent", !failed);
	if (!failed && str_or(event, "messageId", NULL) != NULL)
		cJSON_AddStringToObject(msg, "messageId",
		    str_or(event, "messageId", ""));
	if (failed) {
		cJSON_AddStringToObject(msg, "error", err_name);
		cJSON_AddStringToObject(msg, "cause", cause);
		if (asprintf(&text, "%s signed up, but the verification email "
		    "could not be sent (%s: %s)", email, err_name, cause) == -1)
			text = NULL;
	} else if (asprintf(&text, "%s signed up; the verification email "
	    "went out", email) == -1)
		text = NULL;
	if (text != NULL)
		cJSON_AddStringToObject(msg, "summary", text);
	cJSON_AddStringToObject(msg, "at", at);
	json = cJSON_PrintUnformatted(msg);
	if (json == NULL) {
		sl_error(ctx, "PublishFailed", "out of memory");
		goto out;
	}
	/* Publish first: the live admin view hears of the signup even when
	 * the webhook is down. */
	if (sl_publish(ctx, TOPIC, json) == -1) {
		sl_error(ctx, "PublishFailed",
		    "the host did not accept the message on topic %s", TOPIC);
		goto out;
	}
	hook = sl_getenv(ctx, "ADMIN_WEBHOOK_URL");
	if (hook != NULL && *hook != '\0' &&
	    (status = post_webhook(ctx, hook, json, id)) == -1)
		goto out;

	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "notificationId", id);
	cJSON_AddStringToObject(res, "topic", TOPIC);
	cJSON_AddStringToObject(res, "event", kind);
	if (user_id != NULL)
		cJSON_AddStringToObject(res, "userId", user_id);
	cJSON_AddStringToObject(res, "email", email);
	cJSON_AddBoolToObject(res, "emailSent", !failed);
	if (status != 0)
		cJSON_AddNumberToObject(res, "webhookStatus", (double)status);
	*result = res;
	rc = 0;
out:
	cJSON_free(json);
	cJSON_Delete(msg);
	free(text);
	free(cause);
	return rc;
}
