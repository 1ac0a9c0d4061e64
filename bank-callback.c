/* bank-callback: one HTTP request from stdin, one answer to stdout.
 *
 * Spawned per connection by systemd (Accept=yes) or xinetd.  It keeps no
 * state between requests: PostgreSQL is the truth, Redis a cache of it.
 * Fed a saved request on stdin, the same binary is the debugging tool. */
#include "client.h"
#include "conn.h"
#include "config.h"
#include "deadline.h"
#include "db/check.h"
#include "db/support.h"
#include "lib/form.h"
#include "handlers/handlers.h"
#include "http.h"
#include "bank/keyfile.h"
#include "logstats.h"
#include "selfcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "0.1"
#endif

enum {
	/* Past the request's deadline (REQUEST_BUDGET_MS), which every
	 * wait honours, a process still alive is stuck: the alarm answers
	 * and ends it, before the unit's RuntimeMaxSec=30 would kill it
	 * silently. */
	LAST_RESORT_SECONDS = 28,
};

struct route {
	const char *path;
	const char *method;
	void (*handle)(struct ctx *x, const void *arg);
	const void *arg;
	const char *cmd_id;      /* the CmdId it serves; NULL: none */
};

/* The query string plays no part in routing. */
static const struct route routes[] = {
	{ "/bank/register", "POST", handle_background, &user_register_background, "UserRegister" },
	{ "/bank/CorpRegister", "POST", handle_background, &corp_register_background, "CorpRegister" },
	{ "/bank/netsave", "POST", handle_background, &netsave_background, "NetSave" },
	{ "/bank/RegisterCallback", "POST", handle_page_return, &user_register_page, "UserRegister" },
	{ "/bank/NetSaveCallback", "POST", handle_page_return, &netsave_page, "NetSave" },
	/* the platform's other bank flows, at the addresses it registered */
	{ "/bank/bindcard", "POST", handle_background, &user_bind_card_background, "UserBindCard" },
	{ "/bank/initiativetender", "POST", handle_background, &initiative_tender_background, "InitiativeTender" },
	{ "/bank/InitiativeTenderCallback", "POST", handle_page_return, &initiative_tender_page, "InitiativeTender" },
	{ "/bank/autotender", "POST", handle_background, &auto_tender_background, "AutoTender" },
	{ "/bank/AutoTenderCallback", "POST", handle_page_return, &auto_tender_page, "AutoTender" },
	{ "/bank/tendercancle", "POST", handle_background, &tender_cancle_background, "TenderCancle" },
	{ "/bank/TenderCancleCallback", "POST", handle_page_return, &tender_cancle_page, "TenderCancle" },
	{ "/bank/loans", "POST", handle_background, &loans_background, "Loans" },
	{ "/bank/Repayment", "POST", handle_background, &repayment_background, "Repayment" },
	{ "/bank/TransferCallback", "POST", handle_page_return, &transfer_page, "Transfer" },
	{ "/bank/usrfreezebg", "POST", handle_background, &usr_freeze_bg_background, "UsrFreezeBg" },
	{ "/bank/UsrFreezeBgCallback", "POST", handle_page_return, &usr_freeze_bg_page, "UsrFreezeBg" },
	{ "/bank/usrunfreeze", "POST", handle_background, &usr_unfreeze_background, "UsrUnFreeze" },
	{ "/bank/UsrUnFreezeCallback", "POST", handle_page_return, &usr_unfreeze_page, "UsrUnFreeze" },
	{ "/bank/cash", "POST", handle_background, &cash_background, "Cash" },
	{ "/bank/CashCallback", "POST", handle_page_return, &cash_page, "Cash" },
	{ "/bank/cashaudit", "POST", handle_background, &cash_audit_background, "CashAudit" },
	{ "/bank/CashAuditCallback", "POST", handle_page_return, &cash_audit_page, "CashAudit" },
	{ "/bank/usracctpay", "POST", handle_background, &usr_acct_pay_background, "UsrAcctPay" },
	{ "/bank/UsrAcctPayCallback", "POST", handle_page_return, &usr_acct_pay_page, "UsrAcctPay" },
	{ "/bank/mercash", "POST", handle_background, &mer_cash_background, "MerCash" },
	{ "/bank/MerCashCallback", "POST", handle_page_return, &mer_cash_page, "MerCash" },
	{ "/bank/addbidinfo", "POST", handle_background, &add_bid_info_background, "AddBidInfo" },
	{ "/bank/AddBidInfoCallback", "POST", handle_page_return, &add_bid_info_page, "AddBidInfo" },
	{ "/bank/addbidattachinfo", "POST", handle_unverifiable, &add_bid_attach_info_background, "AddBidAttachInfo" },
	{ "/bank/AddBidAttachInfoCallback", "POST", handle_unverifiable, &add_bid_attach_info_page, "AddBidAttachInfo" },
	{ "/bank/AutoTenderPlanCallback", "POST", handle_unverifiable, &auto_tender_plan_page, "AutoTenderPlan" },
	{ "/bank/RefreshRedis", "POST", handle_refresh_redis, NULL, "RefreshRedis" },
	{ "/bank/health", "GET", handle_health, NULL, NULL },
};

/* Whether any route serves this CmdId. */
static bool cmd_id_known(struct slice cmd_id)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (routes[i].cmd_id && slice_eq(cmd_id, routes[i].cmd_id))
			return true;
	return false;
}

static const struct route *find_route(struct slice path)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (slice_eq(path, routes[i].path))
			return &routes[i];
	return NULL;
}

/* Everything one request needs beyond the stack, in one place: the
 * bytes read, the parsed head, the decoded form, the handlers' context
 * the handlers' memory and the answer as written.  One request per
 * process, so one of each; static because it is too large for the stack
 * (about 1.2 MiB, almost all of it for the worst case of a body's JSON;
 * only what a request uses is ever touched). */
struct request_storage {
	char in[CONN_BUF];              /* head and body, as read */
	struct http_request req;        /* slices into in */
	char scratch[HTTP_MAX_BODY];    /* the form's decoded values: as many bytes as the body, at most */
	struct form form;               /* slices into in and scratch */
	struct ctx x;                   /* the handlers' context, and their answer */
	struct handler_storage work;    /* the handlers' memory: the verified callback, a statement's parameters */
	char out[HTTP_MAX_RESPONSE];    /* status line, headers and body, as written */
};

/* The answer's fixed lines (status line, Connection, Content-Type,
 * Content-Length, Cache-Control, blank line) take well under 512 bytes:
 * whatever the handlers can put in their buffers fits in out. */
_Static_assert(sizeof ((struct response *)0)->headers_mem +
	       sizeof ((struct response *)0)->body_mem + 512 <= HTTP_MAX_RESPONSE,
	       "a response the handlers can build fits in request_storage.out");

static struct request_storage rs;

/* Routes the request and runs its handler, which fills x->resp. */
static void dispatch(struct request_storage *s)
{
	struct ctx *x = &s->x;
	const struct http_request *req = &s->req;
	const struct route *rt = find_route(req->path);
	const char *allow = NULL;
	char why[128];
	int status;

	if (!rt) {
		reply_error(x, 404, "no such route");
		return;
	}
	status = http_method_rules(req, rt->method, &allow, why, sizeof why);
	if (status) {
		if (allow) {
			buf_puts(&x->resp.headers, "Allow: ");
			buf_puts(&x->resp.headers, allow);
			buf_puts(&x->resp.headers, "\r\n");
		}
		reply_error(x, status, why);
		return;
	}
	if (slice_eq(req->method, "POST")) {
		if (form_parse(req->body.p, req->body.len, s->scratch, &s->form)) {
			reply_error(x, 400, "malformed form body");
			return;
		}
		x->form = &s->form;
		/* The bank adds flows over time: one we do not know is refused
		 * (never acknowledged), and its log line names it (cmd=). */
		if (form_get(x->form, "CmdId").len &&
		    !cmd_id_known(slice_trim(form_get(x->form, "CmdId")))) {
			reply_error(x, 400, "a CmdId no route serves");
			x->verdict = VERDICT_UNKNOWN_CMD_ID;
			return;
		}
	}
	rt->handle(x, rt->arg);
}

/* The log line goes to syslog instead of stderr (see main). */
static bool log_to_syslog;

/* What the last-resort alarm writes: a 503 for the client unless an
 * answer already went out, and the request's log line unless the
 * ordinary one is being written.  Built before the work starts, so that
 * the signal handler only calls write(2): to stderr, or under syslog to
 * a socket of its own on /dev/log (syslog(3) is not async-signal-safe),
 * with the message already in syslog's format. */
static char alarm_answer[256], alarm_line[320], alarm_line_sent[320];
static size_t alarm_answer_len, alarm_line_len, alarm_line_sent_len;
static int alarm_log_fd = 2;
static volatile sig_atomic_t answered, logging;

static void last_resort(int sig)
{
	(void)sig;
	if (!answered)
		(void)!write(1, alarm_answer, alarm_answer_len);
	/* once the answer went out (or began to), the line must not say
	 * 503: it says when the alarm came */
	if (!logging && alarm_log_fd >= 0 && !answered && alarm_line_len)
		(void)!write(alarm_log_fd, alarm_line, alarm_line_len);
	if (!logging && alarm_log_fd >= 0 && answered && alarm_line_sent_len)
		(void)!write(alarm_log_fd, alarm_line_sent, alarm_line_sent_len);
	_exit(1);
}

/* The alarm's own way to syslog: a datagram socket on /dev/log. */
static void open_alarm_log(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

	alarm_log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (alarm_log_fd >= 0 &&
	    connect(alarm_log_fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(alarm_log_fd);
		alarm_log_fd = -1;
	}
}

/* xinetd connects stderr to the client's socket as well as stdin and
 * stdout.  (Under systemd stderr is the journal's own stream, another
 * socket.) */
static bool stderr_is_the_client(void)
{
	struct stat out, err;

	return fstat(1, &out) == 0 && fstat(2, &err) == 0 &&
	       S_ISSOCK(err.st_mode) && out.st_dev == err.st_dev &&
	       out.st_ino == err.st_ino;
}

/* When stderr is the client, whatever reaches fd 2 lands in front of
 * the answer: libpq prints a WARNING the server sends while connecting
 * (a collation version mismatch after a glibc upgrade, on every
 * connection) before pg.c can set its notice processor, and the bank,
 * unable to read its acknowledgement, retries for ever.  So before
 * anything else runs, fd 2 becomes /dev/null, for us and for every
 * library, and the log line goes to syslog.  -1 if that failed.
 * fd 1 needs no such care: libraries write their messages to stderr,
 * and only serve()'s one write uses stdout in a request (printf is for
 * --help, --version and --check). */
static int keep_stderr_off_the_client(void)
{
	int fd;

	if (!stderr_is_the_client())
		return 0;
	log_to_syslog = true;
	openlog("bank-callback", LOG_PID, LOG_DAEMON);
	open_alarm_log();
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, 2) < 0)
		return -1;
	if (fd > 2)
		close(fd);
	return 0;
}

/* One of the alarm's log lines into mem: the request's method and path
 * (or "-"), then what.  Its length, or 0 if it did not fit. */
static size_t alarm_log_line(char *mem, size_t size,
			     const struct http_request *req, const char *what)
{
	struct buf b;

	buf_init(&b, mem, size);
	if (log_to_syslog) {
		/* RFC 3164 as syslog(3) sends it: daemon.err, tag and pid */
		buf_puts(&b, "<27>bank-callback[");
		buf_put_u64(&b, (unsigned long long)getpid());
		buf_puts(&b, "]: ");
	} else {
		buf_puts(&b, "<3>");
	}
	buf_put_safe(&b, req ? req->method : slice_from("-"), 8);
	buf_putc(&b, ' ');
	buf_put_safe(&b, req ? req->path : slice_from("-"), 64);
	buf_puts(&b, what);
	if (!log_to_syslog)
		buf_putc(&b, '\n');
	return b.overflow ? 0 : b.len;
}

/* Arms the alarm; called again once the request's method and path are
 * known, to name them in its log lines (long before the alarm can come:
 * the read takes 10 s at most). */
static void arm_last_resort(const struct http_request *req)
{
	struct buf b;

	buf_init(&b, alarm_answer, sizeof alarm_answer);
	http_response(&b, 503, "text/plain; charset=utf-8", (struct slice){ "", 0 },
		      slice_from("503 Service Unavailable\n"), true);
	alarm_answer_len = b.len;
	alarm_line_len = alarm_log_line(alarm_line, sizeof alarm_line, req,
		" status=503 outcome=\"failed\" note=\"killed by the last-resort "
		"alarm: the work outlived every deadline\"");
	alarm_line_sent_len = alarm_log_line(alarm_line_sent, sizeof alarm_line_sent, req,
		" outcome=\"killed\" note=\"killed by the last-resort alarm after the "
		"answer was written, before its log line\"");
	signal(SIGALRM, last_resort);
	if (!req)
		alarm(LAST_RESORT_SECONDS);
}

/* The one log line of a request.  Everything from the request is passed
 * through buf_put_safe: no control character, no personal field. */
static void log_request(const struct ctx *x, const struct http_request *req,
			long long started)
{
	char mem[1024], client[64];
	struct buf b;

	buf_init(&b, mem, sizeof mem);
	buf_putc(&b, '<');
	buf_put_u64(&b, (unsigned)x->prio);
	buf_putc(&b, '>');
	/* an unparsable request has neither */
	buf_put_safe(&b, req->method.len ? req->method : slice_from("-"), 8);
	buf_putc(&b, ' ');
	buf_put_safe(&b, req->path.len ? req->path : slice_from("-"), 64);
	buf_puts(&b, " status=");
	buf_put_u64(&b, (unsigned)x->resp.status);
	/* what the post says it is, and how it went at the bank: the
	 * CmdId names a callback we do not know, RespCode tells a failed
	 * top-up from a stored success (both as posted, a forgery's too) */
	if (x->form && form_get(x->form, "CmdId").len) {
		buf_puts(&b, " cmd=");
		buf_put_safe(&b, form_get(x->form, "CmdId"), 24);
	}
	if (x->form && form_get(x->form, "RespCode").len) {
		buf_puts(&b, " resp=");
		buf_put_safe(&b, form_get(x->form, "RespCode"), 8);
	}
	if (x->trx_id.len) {
		buf_puts(&b, " trx=");
		buf_put_safe(&b, x->trx_id, 32);
	}
	if (x->ord_id.len) {
		buf_puts(&b, " ord=");
		buf_put_safe(&b, x->ord_id, 32);
	}
	buf_puts(&b, " outcome=\"");
	buf_puts(&b, verdict_name(x->verdict));
	buf_puts(&b, "\" ms=");
	buf_put_u64(&b, (unsigned long long)(now_ms() - started));
	client_address(req, x->cfg->trusted_proxies, client, sizeof client);
	if (client[0]) {
		buf_puts(&b, " client=");
		buf_puts(&b, client);
	}
	if (x->note[0]) {
		/* Notes are ours (libpq's terse messages included), but keep
		 * the line one line whatever they hold. */
		buf_puts(&b, " note=\"");
		for (const char *p = x->note; *p; p++) {
			char c = *p;

			if (c == '"')
				c = '\'';
			else if ((unsigned char)c < 0x20)
				c = ' ';
			buf_putc(&b, c);
		}
		buf_putc(&b, '"');
	}
	/* Too long: cut, and say so.  An append that did not fit wrote
	 * nothing, so the line may end well short of the cut: truncate only
	 * shortens, and never exposes bytes that were not written. */
	if (b.overflow) {
		buf_truncate(&b, b.len < sizeof mem - 5 ? b.len : sizeof mem - 5);
		buf_puts(&b, "...");
	}
	if (log_to_syslog) {
		/* syslog has its own priorities: drop the "<N>" prefix. */
		syslog(x->prio, "%s", strchr(b.p, '>') + 1);
		return;
	}
	buf_putc(&b, '\n');
	(void)conn_write_all(2, b.p, b.len);
}

static int serve(const struct config *cfg, const char *config_error)
{
	struct http_request *req = &rs.req;
	struct ctx *x = &rs.x;
	long long started = now_ms();
	bool with_body;
	struct buf o;
	char why[128];
	int rc;

	rc = conn_read_request(0, rs.in, req, CONN_TIMEOUT_MS, why, sizeof why);
	if (rc == 0)
		arm_last_resort(req);
	ctx_init(x, req, cfg, &rs.work);
	if (rc)
		reply_error(x, rc, why);
	else if (config_error)
		reply_error(x, 500, config_error);
	else
		dispatch(&rs);

	/* An answer to HEAD has no body, whatever its Content-Length says. */
	with_body = http_answer_has_body(req);
	buf_init(&o, rs.out, sizeof rs.out);
	http_response(&o, x->resp.status, x->resp.content_type,
		      (struct slice){ x->resp.headers.p, x->resp.headers.len },
		      (struct slice){ x->resp.body.p, x->resp.body.len }, with_body);
	if (o.overflow || x->resp.headers.overflow || x->resp.body.overflow) {
		ctx_note(x, LOG_ERR, "response too large", NULL);
		buf_init(&o, rs.out, sizeof rs.out);
		http_response(&o, 500, "text/plain; charset=utf-8",
			      (struct slice){ "", 0 },
			      slice_from("500 Internal Server Error\n"), with_body);
	}
	answered = 1;
	if (conn_write_all(1, o.p, o.len))
		ctx_note(x, LOG_WARNING, "client gone before the answer", NULL);
	logging = 1;
	log_request(x, req, started);
	return 0;
}

/* --stats --log FILE: what the log says, which the database cannot
 * (forgeries, malformed requests, 503s). */
static int stats_of_log(const char *path)
{
	struct logstats s;   /* 41 KiB */
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc;

	if (!f) {
		printf("FAIL log: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rc = logstats_read(f, &s);
	if (f != stdin)
		fclose(f);
	if (rc) {
		printf("FAIL log: %s: a read error\n", path);
		return 1;
	}
	logstats_print(&s);
	return 0;
}

/* --refresh-redis: RefreshRedis without a request's time limits. */
static int refresh(const struct config *cfg)
{
	char err[512], body[512];
	struct buf b;

	buf_init(&b, body, sizeof body);
	if (refresh_redis(cfg, &b, err, sizeof err)) {
		printf("FAIL refresh: %s\n", err);
		return 1;
	}
	fwrite(b.p, 1, b.len, stdout);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bank-callback [-c FILE]          handle one HTTP request on stdin\n"
		"       bank-callback --check [-c FILE]  check the set-up\n"
		"       bank-callback --config [-c FILE] print the effective settings\n"
		"       bank-callback --show ID [-c FILE]    the audit trail of a TrxId, OrdId, UsrId or UsrCustId\n"
		"       bank-callback --stats [--since TIME] [-c FILE]  posts by route, status, verdict\n"
		"       bank-callback --stats --log FILE|-   requests in a log, forgeries and 503s included\n"
		"       bank-callback --refresh-redis [-c FILE]  rebuild the Redis caches from PostgreSQL\n"
		"       bank-callback --help | --version\n"
		"See bank-callback(8).\n");
}

/* What the command line asks for. */
struct options {
	const char *config_file;             /* -c FILE */
	bool check, config, stats, refresh;  /* --check, --config, --stats, --refresh-redis */
	const char *show, *since, *log;      /* --show ID, --since TIME, --log FILE */
};

/* The options into o: -1 to go on, else the exit status (--help and
 * --version print and say 0; a bad option is reported, and 2). */
static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("bank-callback %s\n", VERSION);
			check_print_libraries();
			return 0;
		} else if (strcmp(a, "--check") == 0) {
			o->check = true;
		} else if (strcmp(a, "--config") == 0) {
			o->config = true;
		} else if (strcmp(a, "--refresh-redis") == 0) {
			o->refresh = true;
		} else if (strcmp(a, "--stats") == 0) {
			o->stats = true;
		} else if (strcmp(a, "--show") == 0 && more) {
			o->show = argv[++i];
		} else if (strcmp(a, "--since") == 0 && more) {
			o->since = argv[++i];
		} else if (strcmp(a, "--log") == 0 && more) {
			o->log = argv[++i];
		} else if (strcmp(a, "-c") == 0 && more) {
			o->config_file = argv[++i];
		} else {
			fprintf(stderr, "bank-callback: %s: %s\n", a,
				strcmp(a, "-c") == 0 || strcmp(a, "--show") == 0 ||
				strcmp(a, "--since") == 0 ||
				strcmp(a, "--log") == 0 ? "needs an argument"
							: "unknown option");
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct options o;
	char config_error[512] = "";
	const char *broken;
	struct config cfg;
	int rc;

	if (keep_stderr_off_the_client()) {
		/* No answer at all beats one a library may have garbled:
		 * the bank retries. */
		syslog(LOG_ERR, "cannot point stderr away from the client: %m");
		return 1;
	}
	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* A vanished client must not kill us between COMMIT and the log. */
	signal(SIGPIPE, SIG_IGN);
	if (!o.check && !o.config && !o.show && !o.stats && !o.refresh) {
		deadline_start(REQUEST_BUDGET_MS);
		arm_last_resort(NULL);
	}

	if (o.config_file &&
	    config_load_file(o.config_file, config_error, sizeof config_error) == 0)
		config_error[0] = '\0';
	broken = config_error[0] ? config_error : NULL;
	config_from_env(&cfg);
	if (o.config) {
		if (broken)
			printf("# FAIL config: %s\n", broken);
		config_print(&cfg);
		return broken ? 1 : 0;
	}
	if ((o.since || o.log) && !o.stats) {
		fprintf(stderr, "bank-callback: --since and --log go with --stats\n");
		usage(stderr);
		return 2;
	}
	if (o.stats && o.log)
		return stats_of_log(o.log);
	if ((o.show || o.stats || o.refresh) && broken) {
		printf("FAIL config: %s\n", broken);
		return 1;
	}
	if (o.show)
		return support_show(o.show);
	if (o.stats)
		return support_stats(o.since);
	if (o.refresh)
		return refresh(&cfg);
	if (o.check)
		return selfcheck(&cfg, o.config_file, broken);
	return serve(&cfg, broken);
}
