/* selfcheck: --check, everything a request will need, read the way a
 * request reads it: the settings, the bank's key, the rules' settings,
 * then PostgreSQL and Redis (db/check.c).  One "ok WHAT: ..." or
 * "FAIL WHAT: ..." line each on stdout, never a secret. */
#include "selfcheck.h"
#include "client.h"
#include "db/check.h"
#include "handlers/handlers.h"
#include "bank/keyfile.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The settings the field rules read, as a request will read them. */
static int check_rules(const struct config *cfg)
{
	struct rule_env env;
	char err[512];

	if (rule_env_init(cfg, &env, err, sizeof err)) {
		printf("FAIL rules: %s\n", err);
		return 1;
	}
	printf("ok rules: OrdDate from %d days before to %d after today (China); "
	       "OrdId pattern %s; UsrId pattern %s; ProId pattern %s\n",
	       env.order_days_before, env.order_days_after,
	       cfg->ord_id_pattern ? cfg->ord_id_pattern : "none",
	       cfg->usr_id_pattern ? cfg->usr_id_pattern : "none",
	       cfg->pro_id_pattern ? cfg->pro_id_pattern : "none");
	/* Not failures: the rules stay safe without them, but refuse
	 * genuine callbacks that only the platform's own formats read one
	 * way (tests/recut measures how many). */
	if (!cfg->ord_id_pattern)
		printf("note rules: without BANK_CALLBACK_ORD_ID_PATTERN, a top-up "
		       "whose OrdId ends in digits that can also be read as OrdDate "
		       "(OrdId=NS20261127203312 OrdDate=20261127 TransAmt=1.00 also "
		       "reads as NS20261127, 20331220, 2611271.00) is refused as "
		       "ambiguous, with every retry, and so are most bids, loans and "
		       "withdrawals, whose OrdId runs into a UsrCustId or an OrdDate: "
		       "set it to the platform's OrdId format, e.g. [0-9]{20}\n");
	if (!cfg->usr_id_pattern)
		printf("note rules: without BANK_CALLBACK_USR_ID_PATTERN, a "
		       "CorpRegister whose UsrName begins with an ASCII letter is "
		       "refused, as where its UsrId ends cannot be told: set it to "
		       "the platform's UsrId format, e.g. corp_[0-9]{6}\n");
	if (!cfg->pro_id_pattern)
		printf("note rules: without BANK_CALLBACK_PRO_ID_PATTERN, a loan "
		       "project (AddBidInfo) whose ProId ends in digits runs into "
		       "its BorrCustId and is refused as ambiguous: set it to the "
		       "platform's ProId format, e.g. P[0-9]{8}\n");
	return 0;
}

static void report_unknown(const char *name, const char *nearest)
{
	printf("FAIL settings: %s is not a setting of bank-callback%s%s%s\n", name,
	       nearest ? " (did you mean " : "", nearest ? nearest : "",
	       nearest ? "?)" : "");
}

/* The settings the routes need, as they will read them. */
static int check_settings(const struct config *cfg)
{
	char tok[1024], why[4200];
	size_t len;
	int failed = config_unknown(report_unknown) > 0;

	if (!cfg->mer_cust_id || !shape_cust_id(slice_from(cfg->mer_cust_id), NULL)) {
		printf("FAIL settings: BANK_CALLBACK_MER_CUST_ID %s\n",
		       cfg->mer_cust_id ? "is not 16 digits" : "is not set");
		failed = 1;
	}
	if (!cfg->frontend || !config_frontend_ok(cfg->frontend)) {
		printf("FAIL settings: BANK_CALLBACK_FRONTEND %s\n", cfg->frontend
		       ? "is not an http:// or https:// URL of printable ASCII with a "
			 "host and no #fragment (each page return adds its own #/route)"
		       : "is not set (page returns answer 500)");
		failed = 1;
	}
	if (config_admin_token(cfg, tok, sizeof tok, &len, why, sizeof why)) {
		printf("FAIL settings: %s%s\n", why,
		       cfg->admin_token_file ? "" : " (RefreshRedis answers 500)");
		failed = 1;
	}
	explicit_bzero(tok, sizeof tok);
	if (cfg->trusted_proxies && !client_list_ok(cfg->trusted_proxies)) {
		printf("FAIL settings: BANK_CALLBACK_TRUSTED_PROXIES is not a "
		       "comma-separated list of IP addresses\n");
		failed = 1;
	}
	if (!failed)
		printf("ok settings: MerCustId %s, front end %s, admin token file %s\n",
		       cfg->mer_cust_id, cfg->frontend, cfg->admin_token_file);
	return failed;
}

/* The bank's key (or both, during a switch-over), one line each. */
static int check_keys(const struct config *cfg)
{
	struct rsa_pubkey key;
	char paths[BANK_KEYS_MAX][4096];
	char err[512], desc[128];
	enum key_format format;
	int n = bank_key_paths(cfg->pubkey, paths, err, sizeof err), failed = 0;

	if (n < 0) {
		printf("FAIL key: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		const char *which = n == 1 ? "" : i == 0 ? " (first)" : " (second)";

		if (keyfile_load(paths[i], &key, &format, err, sizeof err)) {
			printf("FAIL key%s: %s\n", which, err);
			failed = 1;
		} else if (keyfile_describe(&key, desc, sizeof desc)) {
			printf("FAIL key%s: cannot describe the key\n", which);
			failed = 1;
		} else {
			printf("ok key: %s, read as %s%s\n", desc,
			       keyfile_format_name(format), which);
		}
	}
	return failed;
}

/* Where the log line goes.  Under the systemd unit: standard error, the
 * journal's stream.  Under xinetd standard error is the client, so the
 * line goes to syslog's /dev/log, and with nothing there it is lost
 * without a trace: said here, as only a note, since --check cannot
 * tell which of the two will run it. */
static void check_log(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool receives = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;

	if (fd >= 0)
		close(fd);
	if (receives)
		printf("ok log: standard error (the journal, under the systemd unit); "
		       "syslog's /dev/log under xinetd, and something receives there\n");
	else
		printf("note log: standard error (the journal, under the systemd unit); "
		       "under xinetd syslog's /dev/log, where nothing receives: every "
		       "log line would be lost (install rsyslog, or run systemd-journald)\n");
}

/* Opens path for reading as the process is now: 0, or 1 with a FAIL line. */
static int readable(const char *what, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("FAIL files: %s %s: the service user " SERVICE_USER
		       " cannot read it (%m)\n", what, path);
		return 1;
	}
	close(fd);
	return 0;
}

/* Root reads every file; the service reads them as SERVICE_USER.  A
 * child that became that user opens each file the settings name (under
 * systemd the key and the token come as credentials, which systemd reads
 * as root: unset here, they are not checked). */
static int check_files_as_service_user(const struct config *cfg, const char *config_file)
{
	char paths[BANK_KEYS_MAX][4096], err[512];
	const struct passwd *pw;
	int n, status, failed = 0;
	pid_t pid;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(SERVICE_USER);
	if (!pw) {
		printf("note files: run as root, and no user " SERVICE_USER " to read "
		       "them as (systemd's DynamicUser makes its own): check as the "
		       "service does, with README's systemd-run line\n");
		return 0;
	}
	n = cfg->pubkey ? bank_key_paths(cfg->pubkey, paths, err, sizeof err) : 0;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL files: cannot fork to read them as " SERVICE_USER ": %m\n");
		return 1;
	}
	if (pid == 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
		    setuid(pw->pw_uid)) {
			printf("FAIL files: cannot become " SERVICE_USER ": %m\n");
			fflush(stdout);
			_exit(1);
		}
		if (config_file)
			failed |= readable("the settings file", config_file);
		for (int i = 0; i < n; i++)
			failed |= readable("the bank's key", paths[i]);
		if (cfg->admin_token_file)
			failed |= readable("the admin token", cfg->admin_token_file);
		if (cfg->redis_password_file)
			failed |= readable("the Redis password", cfg->redis_password_file);
		if (!failed)
			printf("ok files: the service user " SERVICE_USER " reads every "
			       "file the settings name\n");
		fflush(stdout);
		_exit(failed);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status) != 0;
}

int selfcheck(const struct config *cfg, const char *config_file,
	      const char *config_error)
{
	int failed = 0;

	if (config_error) {
		printf("FAIL config: %s\n", config_error);
		failed = 1;
	}
	failed |= check_settings(cfg);
	failed |= check_keys(cfg);
	failed |= check_rules(cfg);
	failed |= check_files_as_service_user(cfg, config_file);
	check_log();

	failed |= check_postgresql();
	failed |= check_redis(cfg->redis, cfg->redis_password_file,
			      cfg->redis_sentinels, cfg->redis_master);
	return failed;
}
