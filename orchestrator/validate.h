/* Static validation of a States Language definition (sl_asl_validate*):
 * every problem is reported, each naming where it is (a JSON Pointer such as
 * /States/SendEmail/Retry/0/BackoffRate) and what is wrong with it. */
#ifndef SL_VALIDATE_H
#define SL_VALIDATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* One problem. path is a JSON Pointer into the definition ("" for the
 * document itself, '/' and '~' in names escaped as ~1 and ~0); message says
 * what is wrong; code (a static string) is the diagnostic code AWS's
 * ValidateStateMachineDefinition uses for this kind of problem
 * (SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, MISSING_END_STATE,
 * INVALID_JSON_DESCRIPTION, MISSING_DESCRIPTION, INVALID_RESOURCE,
 * DUPLICATE_STATE_NAME, INVALID_STATE_NAME), or UNSUPPORTED_FEATURE for
 * valid States Language this engine does not run (service integrations other
 * than Lambda, Distributed Map, callback tasks, workflow variables in paths).
 * path and message are owned by the list. */
struct sl_asl_diag {
	char *path;
	char *message;
	const char *code;
};

/* A list of problems; owns its items. */
struct sl_asl_diags {
	size_t n;
	size_t cap;
	struct sl_asl_diag *items;
};

#define SL_ASL_DIAGS_INIT { 0, 0, NULL }

/* At most this many problems are kept; one more item then says that the
 * list was cut short. */
#define SL_ASL_DIAGS_MAX 1000

/* Limits AWS applies to a definition. */
#define SL_ASL_MAX_DEFINITION_BYTES (1024 * 1024)
#define SL_ASL_MAX_STATE_NAME 80
#define SL_ASL_MAX_SECONDS 99999999

void sl_asl_diags_init(struct sl_asl_diags *d);
/* Free every item; the struct is left empty and reusable. */
void sl_asl_diags_release(struct sl_asl_diags *d);
/* Append one problem (copies path and message). */
void sl_asl_diags_add(struct sl_asl_diags *d, const char *code,
    const char *path, const char *message);

/* One string for an API reply (the InvalidDefinition message): the problems
 * as "PATH: MESSAGE", separated by "; ". The caller frees it with free(3).
 * Never NULL ("" when there is none). */
char *sl_asl_diags_join(const struct sl_asl_diags *d);
/* The same in the form of AWS's InvalidDefinition message, for clients that
 * parse it: "Invalid State Machine Definition: 'CODE: MESSAGE at PATH,
 * ...'". The caller frees it with free(3). */
char *sl_asl_diags_aws_message(const struct sl_asl_diags *d);

/* Validate JSON text: a definition over SL_ASL_MAX_DEFINITION_BYTES or a
 * syntax error (with its 1-based line and column) is one problem; otherwise
 * the parsed definition goes to sl_asl_validate.
 * text need not be NUL-terminated. Problems are appended to out, which the
 * caller initialised and later releases. Returns 0 when the definition is
 * valid, -1 otherwise. */
int sl_asl_validate_text(const char *text, size_t len,
    struct sl_asl_diags *out);

/* Validate a parsed definition (borrowed; def may be NULL): the fields each
 * state type accepts in its query language, required fields, field types and
 * ranges, transition targets, reachability, terminal states, Choice rules,
 * Retry/Catch, Task resources, paths and intrinsic calls (compiled with
 * sl_path_compile/sl_intrinsic_compile, as the engine will), Parallel branches
 * and Map processors, each a scope of its own; state names are unique in the
 * whole definition. JSONata states and fields (QueryLanguage "JSONata",
 * Arguments, Output, Assign, Condition, Items) are accepted and checked for
 * shape only: expressions are not parsed. Appends to out (never NULL);
 * returns 0 when valid, -1 otherwise. */
int sl_asl_validate(const cJSON *def, struct sl_asl_diags *out);

#endif
