/* unverifiable: the CmdIds the platform registered with the bank whose
 * signed fields nobody has found (AddBidAttachInfo, AutoTenderPlan).
 *
 * Without the order of its signed fields no ChkValue can be checked, so
 * nothing of such a post is the bank's word: the background route logs
 * the CmdId at err and refuses it (501: the bank keeps retrying until an
 * operator adds the CmdId's table), and the page return sends the browser
 * to its front-end page carrying nothing from the post.  The day the
 * order is known, the CmdId becomes a table like the others. */
#include "handlers.h"

void handle_unverifiable(struct ctx *x, const void *arg)
{
	const struct unverifiable *u = arg;

	ctx_note(x, LOG_ERR, u->cmd_id, "no signed order is known: not verified, "
		 "not stored");
	if (!u->page) {
		reply_error(x, 501, NULL);
		x->verdict = VERDICT_NOT_VERIFIABLE;
		return;
	}
	if (!page_front_end_set(x))
		return;
	page_redirect(x, u->page, slice_from("ERR_UNVERIFIED"),
		      slice_from("result not known here"));
	x->verdict = VERDICT_REDIRECTED_NOT_VERIFIABLE;
}
