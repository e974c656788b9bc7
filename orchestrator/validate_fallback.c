/* Weak stand-ins for the intrinsic-call compiler, used only while
 * orchestrator/intrinsic.c is not in the tree: they accept every
 * "States.Name(...)" call, so bad calls go unreported. The real, strong
 * definitions replace them as soon as intrinsic.c is linked in; delete this
 * file then. */
#include <string.h>

#include "orchestrator/intrinsic.h"

/* Not a real object: only ever compared and "freed" here. */
static char placeholder;

__attribute__((weak)) int
sl_intrinsic_is_call(const char *text)
{
	return strncmp(text, "States.", 7) == 0 && strchr(text, '(') != NULL;
}

__attribute__((weak)) struct sl_intrinsic *
sl_intrinsic_compile(const char *text, struct sl_err *err)
{
	(void)text;
	(void)err;
	return (struct sl_intrinsic *)&placeholder;
}

__attribute__((weak)) void
sl_intrinsic_free(struct sl_intrinsic *f)
{
	(void)f;
}
