/* shapes: the field shapes the CmdId tables name, and the environment
 * they read (our MerCustId, the platform's id patterns).  Strict, and
 * never the clock: see "Why the shapes are strict" in shapes.h. */
#include "shapes.h"
#include "lib/ascii.h"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

bool shape_cust_id(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 16 && slice_all(v, ascii_digit, "");
}

bool slice_matches(struct slice v, const regex_t *re)
{
	char s[PATTERN_SUBJECT_MAX + 1];

	if (!re)
		return true;
	if (v.len > PATTERN_SUBJECT_MAX || memchr(v.p, '\0', v.len))
		return false;
	memcpy(s, v.p, v.len);
	s[v.len] = '\0';
	return regexec(re, s, 0, NULL, 0) == 0;
}

bool shape_usr_id(struct slice v, const struct rule_env *env)
{
	/* The design's pnrid: at most 25 bytes, printable, no spaces. */
	return v.len >= 1 && v.len <= 25 && slice_all(v, ascii_alnum, "_-.@") &&
	       slice_matches(v, env->usr_id_pattern);
}

bool shape_trx_id(struct slice v, const struct rule_env *env)
{
	/* Every real TrxId is 18 digits; a fixed length pins its place in
	 * the signed string. */
	(void)env;
	return v.len == 18 && slice_all(v, ascii_digit, "");
}

bool shape_resp_code(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 3 && slice_all(v, ascii_alnum, "");
}

/* The prefix's length (0: none).  It is ASCII, which reads the same in
 * every charset: a piece as signed that does not begin so is no URL in
 * any reading, and the cutting walk, which tries a URL at every place,
 * need not convert it to find out. */
static size_t url_prefix(struct slice v, enum url_form form)
{
	/* Once decoded by the form, the merchant's own encoding may remain. */
	static const char *const prefixes[] = {
		"http://", "https://", "http%3A%2F%2F", "https%3A%2F%2F",
	};
	size_t forms = form == URL_PLAIN ? 2 : 4;

	if (v.len < 8 || ascii_lower(v.p[0]) != 'h')
		return 0;
	for (size_t i = 0; i < forms; i++) {
		size_t n = strlen(prefixes[i]);

		if (v.len > n && slice_eq_nocase((struct slice){ v.p, n }, prefixes[i]))
			return n;
	}
	return 0;
}

bool shape_url_prefixed(struct slice v)
{
	return url_prefix(v, URL_AS_SIGNED) > 0;
}

bool url_ok(struct slice v, enum url_form form)
{
	if (!url_prefix(v, form))
		return false;
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (c <= 0x20 || c == 0x7f || (form == URL_PLAIN && c >= 0x80))
			return false;
	}
	return true;
}

/* Its length is bounded by its rule's max_bytes, in bytes as signed: a
 * bound on the text would be another, and in GBK a longer one. */
bool shape_url(struct slice v, const struct rule_env *env)
{
	(void)env;
	return url_ok(v, URL_AS_SIGNED);
}

static unsigned digits(const char *p, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* The calendar, not just eight digits, is what stops an OrdId's digits
 * from being signed as OrdDate's (see callback.h). */
bool shape_date(struct slice v, const struct rule_env *env)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;

	(void)env;
	if (v.len != 8 || !slice_all(v, ascii_digit, ""))
		return false;
	y = digits(v.p, 4);
	m = digits(v.p + 4, 2);
	d = digits(v.p + 6, 2);
	if (y < ORD_DATE_FIRST_YEAR || y > ORD_DATE_LAST_YEAR || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

bool arrival_in_order_window(struct slice v, const struct rule_env *env)
{
	long day;

	if (!shape_date(v, env))
		return false;
	day = days_from_civil(digits(v.p, 4), digits(v.p + 4, 2), digits(v.p + 6, 2));
	return day >= env->today - env->order_days_before &&
	       day <= env->today + env->order_days_after;
}

/* "100.00": two decimals, as the bank sends it, and no leading zero, so
 * that a date's last digit cannot be signed as the amount's first. */
bool shape_money(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len >= 4 && v.len <= 16 && v.p[v.len - 3] == '.' &&
	       (v.p[0] != '0' || v.len == 4) &&
	       slice_all((struct slice){ v.p, v.len - 3 }, ascii_digit, "") &&
	       slice_all((struct slice){ v.p + v.len - 2, 2 }, ascii_digit, "");
}

bool shape_amount(struct slice v, const struct rule_env *env)
{
	size_t dot = v.len;

	(void)env;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == '.')
			dot = i;
	if (v.len == 0 || v.len > 16 || dot == 0 ||
	    (dot < v.len && dot + 3 != v.len) || (v.p[0] == '0' && dot != 1))
		return false;
	return slice_all((struct slice){ v.p, dot }, ascii_digit, "") &&
	       (dot == v.len ||
		slice_all((struct slice){ v.p + dot + 1, 2 }, ascii_digit, ""));
}

bool shape_ord_id(struct slice v, const struct rule_env *env)
{
	return v.len >= 1 && v.len <= 30 && slice_all(v, ascii_alnum, "_-") &&
	       slice_matches(v, env->ord_id_pattern);
}

bool shape_pro_id(struct slice v, const struct rule_env *env)
{
	return v.len >= 1 && v.len <= 30 && slice_all(v, ascii_alnum, "_-") &&
	       slice_matches(v, env->pro_id_pattern);
}

bool shape_open_bank_id(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len >= 1 && v.len <= 8 && slice_all(v, ascii_alpha, "");
}

bool shape_digits(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len >= 1 && v.len <= 40 && slice_all(v, ascii_digit, "");
}

bool shape_acct_id(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 9 && v.p[0] >= 'A' && v.p[0] <= 'Z' && v.p[1] >= 'A' &&
	       v.p[1] <= 'Z' && v.p[2] >= 'A' && v.p[2] <= 'Z' &&
	       slice_all((struct slice){ v.p + 3, 6 }, ascii_digit, "");
}

bool shape_url_ending_in_no_digit(struct slice v, const struct rule_env *env)
{
	return shape_url(v, env) && !ascii_digit((unsigned char)v.p[v.len - 1]);
}

bool shape_no_digit_first(struct slice v, const struct rule_env *env)
{
	(void)env;
	return !ascii_digit((unsigned char)v.p[0]);
}

bool shape_our_cust_id(struct slice v, const struct rule_env *env)
{
	return env->mer_cust_id && slice_eq(v, env->mer_cust_id);
}

bool shape_yes_no(struct slice v, const struct rule_env *env)
{
	(void)env;
	return slice_eq(v, "Y") || slice_eq(v, "N");
}

bool shape_in_or_out(struct slice v, const struct rule_env *env)
{
	(void)env;
	return slice_eq(v, "I") || slice_eq(v, "O");
}

bool shape_capital(struct slice v, const struct rule_env *env)
{
	(void)env;
	return v.len == 1 && v.p[0] >= 'A' && v.p[0] <= 'Z';
}


/* The shared shapes that accept nothing but ASCII.  A piece as signed
 * that is not all ASCII reads as some non-ASCII character in either
 * charset (a GBK or GB18030 sequence, or U+FFFD), so none of them can
 * take it, and the walk need not convert it to learn so.  A shape not
 * listed is converted and tried: a missing entry costs time, never a
 * meaning. */
bool shape_takes_only_ascii(bool (*shape)(struct slice, const struct rule_env *))
{
	static bool (*const ascii_shapes[])(struct slice, const struct rule_env *) = {
		shape_cust_id, shape_usr_id, shape_trx_id, shape_resp_code, shape_date,
		shape_money, shape_amount, shape_ord_id, shape_pro_id, shape_open_bank_id,
		shape_digits, shape_acct_id, shape_yes_no, shape_in_or_out, shape_capital,
		shape_our_cust_id,
	};

	for (size_t i = 0; i < sizeof ascii_shapes / sizeof ascii_shapes[0]; i++)
		if (shape == ascii_shapes[i])
			return true;
	return false;
}

/* A pattern must match the whole value: "^(" PATTERN ")$". */
static int compile_pattern(const char *name, const char *pattern, regex_t *re,
			   const regex_t **out, char *err, size_t errlen)
{
	char anchored[PATTERN_MAX + 8];
	int rc;

	*out = NULL;
	if (!pattern)
		return 0;
	if (strlen(pattern) > PATTERN_MAX) {
		snprintf(err, errlen, "%s is longer than %d bytes", name, PATTERN_MAX);
		return -1;
	}
	snprintf(anchored, sizeof anchored, "^(%s)$", pattern);
	rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char why[128];

		regerror(rc, re, why, sizeof why);
		snprintf(err, errlen, "%s is not a POSIX extended regular expression: %s",
			 name, why);
		return -1;
	}
	*out = re;
	return 0;
}

int rule_env_init(const struct config *cfg, struct rule_env *env, char *err,
		  size_t errlen)
{
	static regex_t ord_re, usr_re, pro_re;
	static bool compiled;
	static const regex_t *ord, *usr, *pro;
	/* The bank's dates are Beijing dates (UTC+8, no summer time). */
	time_t now = time(NULL) + (time_t)8 * 3600;

	memset(env, 0, sizeof *env);
	env->mer_cust_id = cfg->mer_cust_id;
	env->today = (long)(now / 86400);
	if (config_order_days(cfg->order_days, &env->order_days_before,
			      &env->order_days_after)) {
		snprintf(err, errlen, "BANK_CALLBACK_ORDER_DAYS is not BEFORE[,AFTER] "
			 "(days, 0 to %d)", ORDER_DAYS_MAX);
		return -1;
	}
	if (!compiled) {
		if (compile_pattern("BANK_CALLBACK_ORD_ID_PATTERN", cfg->ord_id_pattern,
				    &ord_re, &ord, err, errlen) ||
		    compile_pattern("BANK_CALLBACK_USR_ID_PATTERN", cfg->usr_id_pattern,
				    &usr_re, &usr, err, errlen) ||
		    compile_pattern("BANK_CALLBACK_PRO_ID_PATTERN", cfg->pro_id_pattern,
				    &pro_re, &pro, err, errlen))
			return -1;
		compiled = true;
	}
	env->ord_id_pattern = ord;
	env->usr_id_pattern = usr;
	env->pro_id_pattern = pro;
	return 0;
}
