/* Topic and subscription actions of the dispatcher: Publish, Subscribe,
 * Unsubscribe. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xmalloc.h"
#include "server/api_internal.h"

/* A topic name as sl_publish() accepts it: 1-256 of [A-Za-z0-9_-.:]. */
static int
topic_name_ok(const char *t)
{
	size_t n = 0;

	for (; *t != '\0'; t++, n++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		    (*t >= '0' && *t <= '9') || *t == '_' || *t == '-' ||
		    *t == '.' || *t == ':'))
			return 0;
	return n >= 1 && n <= 256;
}

/* The topic of a request: "topic" (a name) or "TopicArn" (an SNS ARN,
 * arn:aws:sns:REGION:ACCOUNT:NAME). NULL + err when absent or bad; found
 * is set when either key is present at all. */
const char *
sl_api_req_topic(const struct api_req *r, int *found, struct sl_err *err)
{
	const char *topic, *arn;
	int colons = 0;

	*found = 0;
	if (sl_api_param_str(r, "topic", 0, &topic, err) < 0 ||
	    sl_api_param_str(r, "TopicArn", 0, &arn, err) < 0)
		return NULL;
	if (topic == NULL && arn == NULL) {
		sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value null at 'TopicArn' "
		    "failed to satisfy constraint: Member must not be null "
		    "(or give 'topic')");
		return NULL;
	}
	*found = 1;
	if (topic != NULL && arn != NULL) {
		sl_err_set(err, "ValidationException",
		    "give 'topic' or 'TopicArn', not both");
		return NULL;
	}
	if (topic == NULL) {
		if (strncmp(arn, "arn:aws:sns:", 12) != 0) {
			sl_err_set(err, "InvalidParameterException",
			    "Invalid parameter: TopicArn '%.300s' is not "
			    "arn:aws:sns:REGION:ACCOUNT:NAME", arn);
			return NULL;
		}
		for (topic = arn; *arn != '\0'; arn++)
			if (*arn == ':' && ++colons == 5)
				topic = arn + 1;
		if (colons != 5) {
			sl_err_set(err, "InvalidParameterException",
			    "Invalid parameter: TopicArn is not "
			    "arn:aws:sns:REGION:ACCOUNT:NAME");
			return NULL;
		}
	}
	if (!topic_name_ok(topic)) {
		sl_err_set(err, "InvalidParameterException",
		    "Invalid parameter: topic name '%.300s' must be 1-256 "
		    "characters of A-Z a-z 0-9 _ - . :", topic);
		return NULL;
	}
	return topic;
}

void
sl_api_act_publish(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	const cJSON *msg;
	const char *topic;
	char id[37], *text;
	cJSON *res;
	int found;

	if ((topic = sl_api_req_topic(r, &found, &err)) == NULL)
		goto fail;
	msg = cJSON_GetObjectItemCaseSensitive(r->body, "Message");
	if (msg == NULL || cJSON_IsNull(msg)) {
		sl_err_set(&err, "ValidationException",
		    "1 validation error detected: Value null at 'Message' "
		    "failed to satisfy constraint: Member must not be null");
		goto fail;
	}
	/* SNS messages are strings; any other JSON value is sent as its
	 * JSON text. */
	text = cJSON_IsString(msg) ? xstrdup(msg->valuestring) :
	    sl_json_print(msg);
	if (strlen(text) > 256 * 1024) {
		free(text);
		sl_err_set(&err, "InvalidParameterException",
		    "Invalid parameter: Message too long (over 262144 bytes)");
		goto fail;
	}
	sl_api_publish(api, topic, text, NULL);
	free(text);
	sl_rng_uuid(&api->rng, id);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "MessageId", id);
	sl_api_reply_synced(api, r, res);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
}

/* What a Subscribe/Unsubscribe names: exactly one of a topic, an execution
 * ARN or a state machine ARN. */
static int
sub_target(const struct api_req *r, int *kind, const char **key,
    struct sl_err *err)
{
	const char *exec, *machine, *topic;
	struct sl_err terr = SL_ERR_INIT;
	int found, n = 0;

	if (sl_api_param_str(r, "executionArn", 0, &exec, err) < 0 ||
	    sl_api_param_str(r, "stateMachineArn", 0, &machine, err) < 0)
		return -1;
	topic = sl_api_req_topic(r, &found, &terr);
	n = (exec != NULL) + (machine != NULL) + found;
	if (n != 1)
		return sl_err_set(err, "ValidationException",
		    "give exactly one of 'topic' (or 'TopicArn'), "
		    "'executionArn' or 'stateMachineArn'");
	if (found && topic == NULL) {
		*err = terr;
		return -1;
	}
	if (exec != NULL) {
		if (strncmp(exec, "arn:aws:states:", 15) != 0 ||
		    strstr(exec, ":execution:") == NULL)
			return sl_err_set(err, "InvalidArn",
			    "Invalid Arn: 'Resource type not valid in this "
			    "context: %.300s'", exec);
		*kind = API_SUB_EXECUTION;
		*key = exec;
	} else if (machine != NULL) {
		if (strncmp(machine, "arn:aws:states:", 15) != 0 ||
		    strstr(machine, ":stateMachine:") == NULL)
			return sl_err_set(err, "InvalidArn",
			    "Invalid Arn: 'Resource type not valid in this "
			    "context: %.300s'", machine);
		*kind = API_SUB_MACHINE;
		*key = machine;
	} else {
		*kind = API_SUB_TOPIC;
		*key = topic;
	}
	return 0;
}

static cJSON *
sub_result(int kind, const char *key, const char *flag, int value)
{
	cJSON *res = cJSON_CreateObject();

	cJSON_AddStringToObject(res, kind == API_SUB_TOPIC ? "topic" :
	    kind == API_SUB_EXECUTION ? "executionArn" : "stateMachineArn",
	    key);
	cJSON_AddBoolToObject(res, flag, value);
	return res;
}

void
sl_api_act_subscribe(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	const char *key;
	int kind, added;

	if (sub_target(r, &kind, &key, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	added = sl_api_sub_add(api, r->conn, kind, key);
	sl_api_reply(api, r->conn, r->id_json,
	    sub_result(kind, key, "subscribed", added));
}

void
sl_api_act_unsubscribe(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	const char *key;
	int kind, removed;

	if (sub_target(r, &kind, &key, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	removed = sl_api_sub_remove(api, r->conn, kind, key);
	sl_api_reply(api, r->conn, r->id_json,
	    sub_result(kind, key, "unsubscribed", removed));
}
