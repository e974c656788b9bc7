/* What the dispatcher's files (api*.c) share; not for other modules. */
#ifndef SL_API_INTERNAL_H
#define SL_API_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "common/rng.h"
#include "server/api.h"

enum api_sub_kind {
	API_SUB_TOPIC,
	API_SUB_EXECUTION,
	API_SUB_MACHINE,
};

struct api_conn {
	uint64_t id;
	int authed;
	struct api_conn *next; /* hash chain */
};

struct api_sub {
	struct api_sub *next;
	uint64_t conn;
	int kind;
	char *key;
};

/* A request whose reply comes later. Linked in api->calls until done. */
struct api_call {
	struct api_call *next, *prev;
	struct sl_api *api;
	uint64_t conn;
	char *id_json;      /* the request's id as JSON text */
	uint64_t invoke_id; /* the host's invocation id, if any */
	int want_log;
	char *payload;      /* request payload kept for the host's call */
	char *name;         /* what the call is about (for logs) */
};

struct sl_api {
	struct sl_sfn *sfn; /* NULL = no workflows */
	char *region;
	char *account;
	size_t max_message;
	char *token;
	struct sl_api_transport transport;
	struct sl_api_functions functions;
	struct api_conn **conns; /* CONN_BUCKETS chains */
	struct api_sub *subs;    /* in subscription order */
	struct api_call calls;   /* list head */
	size_t npending;
	struct sl_rng rng; /* UUIDs: execution names, message ids */
};

/* One request being dispatched; everything borrowed. */
struct api_req {
	uint64_t conn;
	struct api_conn *c;
	const char *id_json;
	cJSON *body;
};

struct api_action {
	const char *name;
	void (*run)(struct sl_api *api, struct api_req *r);
};

int sl_api_conn_is_open(struct sl_api *api, uint64_t conn);
struct api_call *sl_api_call_new(struct sl_api *api, const struct api_req *r);
void sl_api_call_free(struct api_call *call);

void sl_api_send(struct sl_api *api, uint64_t conn, const char *text,
    size_t len);
/* Reply with a result given as JSON text (borrowed). */
void sl_api_reply_raw(struct sl_api *api, uint64_t conn, const char *id_json,
    const char *result_json, size_t result_len);
/* Reply with result (taken). */
void sl_api_reply(struct sl_api *api, uint64_t conn, const char *id_json,
    cJSON *result);
/* Reply with an error object {"type","message",...} (taken). */
void sl_api_reply_error_obj(struct sl_api *api, uint64_t conn,
    const char *id_json, cJSON *error);
void sl_api_reply_error(struct sl_api *api, uint64_t conn,
    const char *id_json, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void sl_api_reply_err(struct sl_api *api, uint64_t conn, const char *id_json,
    const struct sl_err *err);

/* Parameter checks: 0, or -1 with a ValidationException naming the
 * parameter in err. Absent optional parameters leave *out at NULL (strings)
 * or at its default (numbers, enums). */
int sl_api_param_str(const struct api_req *r, const char *name, int required,
    const char **out, struct sl_err *err);
int sl_api_param_bool(const struct api_req *r, const char *name, int *out,
    struct sl_err *err);
int sl_api_param_int(const struct api_req *r, const char *name, long min,
    long max, long *out, struct sl_err *err);
/* values is NULL-terminated; *out becomes the index of the match. */
int sl_api_param_enum(const struct api_req *r, const char *name,
    const char *const *values, int *out, struct sl_err *err);
int sl_api_param_json_text(const struct api_req *r, const char *name,
    const char *bad_type, char **out, size_t *out_len, struct sl_err *err);

/* Returns 1 when added, 0 when it was there already. */
int sl_api_sub_add(struct sl_api *api, uint64_t conn, int kind,
    const char *key);
int sl_api_sub_remove(struct sl_api *api, uint64_t conn, int kind,
    const char *key);

void sl_api_iso_time(int64_t ms, char out[32]);
int64_t sl_api_now_ms(void);

/* Actions (api_functions.c, api_topics.c). */
void sl_api_act_invoke(struct sl_api *api, struct api_req *r);
void sl_api_act_list_functions(struct sl_api *api, struct api_req *r);
void sl_api_act_get_function(struct sl_api *api, struct api_req *r);
void sl_api_act_publish(struct sl_api *api, struct api_req *r);
void sl_api_act_subscribe(struct sl_api *api, struct api_req *r);
void sl_api_act_unsubscribe(struct sl_api *api, struct api_req *r);
/* The topic of a request ("topic" or "TopicArn"); NULL + err. */
const char *sl_api_req_topic(const struct api_req *r, int *found,
    struct sl_err *err);

/* Step Functions actions and notifications (api_sfn.c). */
void sl_api_act_create_state_machine(struct sl_api *api, struct api_req *r);
void sl_api_act_update_state_machine(struct sl_api *api, struct api_req *r);
void sl_api_act_delete_state_machine(struct sl_api *api, struct api_req *r);
void sl_api_act_describe_state_machine(struct sl_api *api,
    struct api_req *r);
void sl_api_act_list_state_machines(struct sl_api *api, struct api_req *r);
void sl_api_act_validate_definition(struct sl_api *api, struct api_req *r);
void sl_api_act_start_execution(struct sl_api *api, struct api_req *r);
void sl_api_act_start_sync_execution(struct sl_api *api, struct api_req *r);
void sl_api_act_describe_execution(struct sl_api *api, struct api_req *r);
void sl_api_act_get_execution_history(struct sl_api *api,
    struct api_req *r);
void sl_api_act_list_executions(struct sl_api *api, struct api_req *r);
void sl_api_act_stop_execution(struct sl_api *api, struct api_req *r);
void sl_api_act_list_notifications(struct sl_api *api, struct api_req *r);
/* Keep a published message in the store; push_text (borrowed) goes to
 * the topic's subscribers once that is durable (not at all when the store
 * refuses it). Returns -1 when there is no store: push at once. */
int sl_api_store_notification(struct sl_api *api, const char *topic,
    const char *message, const char *source, const char *push_text);
/* Send text to the connections subscribed to topic. */
void sl_api_push_topic(struct sl_api *api, const char *topic,
    const char *text, size_t len);
/* Reply with result (taken) once every write so far is durable (at once
 * without a store). */
void sl_api_reply_synced(struct sl_api *api, struct api_req *r,
    cJSON *result);

#endif
