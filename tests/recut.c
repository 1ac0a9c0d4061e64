/* recut: how often do the rule tables leave a genuine ChinaPNR callback
 * more than one meaning, and does any other cutting of a genuine signed
 * string get through?
 *
 * README
 *
 *   tests/recut [-n [CMDID=]N]... [-j JOBS] [--seed S] [--only CMDID]
 *               [--ord-id-pattern RE] [--usr-id-pattern RE]
 *               [--examples K] [--max-cuttings M] [--echo-posts K]
 *               [--today YYYYMMDD] [--order-days BEFORE[,AFTER]]
 *               [--mer-cust-id ID] [--real-key FILE]
 *
 * Why.  The bank signs a callback's signed fields glued together with no
 * separator, so its ChkValue also signs every other way of cutting those
 * bytes into the fields.  The handler refuses a signed string that its
 * rule tables can cut into more than one meaning (callback_meanings();
 * meanings differ by the spans of PINNED fields, ECHOED ones may shift).
 * Each such refusal of a genuine callback is a top-up or an account the
 * platform does not record, so the rules must leave real callbacks one
 * meaning almost always, and no re-cut may ever be accepted.  This tool
 * measures both, through the real callback_check().
 *
 * What it does, for UserRegister, NetSave and CorpRegister:
 *   1. generates N genuine callbacks (-n, default 10000; -n CorpRegister=
 *      1000 sets one CmdId's) in the formats merchants and the bank use
 *      (OrdIds, UsrIds, amounts, TrxIds, URLs with query strings, MerPriv
 *      tokens, Chinese company names, values sent percent-encoded twice,
 *      GBK text), from a PRNG seeded by --seed (default 1): the same seed
 *      gives the same callbacks and the same figures, on the same day;
 *   2. signs each like the bank, with a throwaway RSA-1024 key (PKCS#1
 *      v1.5, SHA-1, over the trimmed signed fields concatenated; upper-
 *      case hex), builds the form as the handler holds it after one form
 *      decoding, and runs callback_check(): accepted, refused as
 *      ambiguous, or refused for another reason (a generator bug, or a
 *      rule that refuses real callbacks: the tool fails);
 *   3. lists every other cutting of the signed string that the spec's
 *      field rules accept (at most --max-cuttings per callback, default
 *      10000), and posts it, same ChkValue and unsigned fields, to
 *      callback_check().  A re-cut that moves a PINNED field and is
 *      accepted is a forgery that works: the tool fails.  Re-cuts that
 *      move only ECHOED fields (the merchant's URLs, MerPriv, RespExt)
 *      are the documented residual: there are dozens per callback, all
 *      decided alike, so --echo-posts of them (default 300) are posted
 *      per CmdId, spread over the callbacks (0: every one, slow).
 * It also checks the bank's own two callbacks (tests/data/chinapnr-real-
 * callbacks.json, hard-coded below) with the bank's key, their merchant,
 * and a window back to 2016: they must be accepted, and no re-cut.
 *
 * With --ord-id-pattern / --usr-id-pattern (what BANK_CALLBACK_ORD_ID_
 * PATTERN and BANK_CALLBACK_USR_ID_PATTERN hold) each CmdId runs a second
 * time under them, the generators keeping only ids that match.
 * CorpRegister gets ASCII company names only then: without a UsrId
 * pattern the handler refuses them by design (corpregister.c).
 *
 * Output, per CmdId and pass:
 *   NetSave: 10000 genuine, 3 refused as ambiguous (0.030%), 0 refused
 *   otherwise, 0 re-cuts accepted, 41 echo-only re-cuts accepted
 * then the re-cuts listed and posted, and the ambiguous callbacks
 * grouped by the fields that move (and which way a PINNED one goes),
 * with --examples of them (default 3: the signed string and both
 * meanings) to tune the rules by.
 *
 * Cost: listing every cutting of a callback is the bulk of the time
 * (hundreds of echo-only cuttings each); callback_check() itself takes
 * well under a millisecond.  Each CmdId (and pass) runs in its own
 * process, -j of them at once (default: the number of cores).
 *
 * Exit status: 0; 1 when a re-cut moving a PINNED field was accepted, a
 * genuine callback was refused for a reason other than ambiguity, or the
 * bank's own callbacks were refused; 2 on a usage error, or when no
 * generated id matches a pattern.
 *
 * Run it from the top of the tree (it reads the bank's key from
 * tests/data/).  `make tests/recut` builds it; .ci/run runs it. */
#include "../ascii.h"
#include "../buf.h"
#include "../callback.h"
#include "../config.h"
#include "../form.h"
#include "../keyfile.h"
#include "../utf8.h"
#include "../handlers/handlers.h"

#include <getopt.h>
#include <iconv.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

enum {
	MAX_FIELDS = 16,          /* signed fields per spec */
	DRAFT_MEM = 8192,
	SIGNED_CAP = 8192,        /* callback.c refuses longer signed strings */
	CHK_HEX_MAX = 2 * RSA_MAX_BYTES + 1,
	ID_TRIES = 100000,        /* draws per id before a pattern is hopeless */
	MAX_CAUSES = 32,
	NCMDS = 3,
	EXAMPLE_MAX = 4096,
	SHOW_FAILURES = 5,        /* refusals and forgeries printed in full */
	PINNED_POSTS = 3,         /* re-cuts posted per ambiguous callback (see visit) */
};

static const char *const default_mer_cust_id = "6000060000736878";

static void fatal(const char *what, const char *detail)
{
	fprintf(stderr, "recut: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* ---- a seeded PRNG (splitmix64): the same seed, the same callbacks ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static unsigned between(unsigned lo, unsigned hi)
{
	return lo + below(hi - lo + 1);
}

static bool chance(unsigned percent)
{
	return below(100) < percent;
}

static const char *pick(const char *const *list, size_t n)
{
	return list[below((unsigned)n)];
}

#define PICK(list) pick((list), sizeof(list) / sizeof((list)[0]))

static void put_digits(struct buf *b, unsigned n)
{
	while (n--)
		buf_putc(b, (char)('0' + below(10)));
}

static void put_from(struct buf *b, const char *alphabet, unsigned n)
{
	size_t k = strlen(alphabet);

	while (n--)
		buf_putc(b, alphabet[below((unsigned)k)]);
}

static const char lower_alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* ---- dates: days since 1970-01-01 <-> YYYYMMDD (Howard Hinnant's) ---- */

static long days_from_civil(long y, unsigned m, unsigned d)
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

/* YYYYMMDD of day z into out[9]. */
static void ymd(long z, char out[9])
{
	long era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 1000 || y > 9999)
		fatal("a date outside years 1000 to 9999", NULL);
	snprintf(out, 9, "%04u%02u%02u", (unsigned)y % 10000, m % 100, d % 100);
}

/* ---- a callback in the making ----
 *
 * Each field has the value the form carries once decoded (sent) and the
 * value the bank put into the signed string (signed_as): they differ when
 * the merchant percent-encoded a URL or a name before sending it to the
 * bank and the bank signed it decoded once more. */

struct draft {
	bool gbk;                     /* its text is GBK, and CharSet says so */
	size_t n;
	struct draft_field {
		const char *name;
		struct slice sent, signed_as;
	} f[FORM_MAX_FIELDS];
	struct buf arena;
	char mem[DRAFT_MEM];
};

static void draft_init(struct draft *d)
{
	d->gbk = false;
	d->n = 0;
	buf_init(&d->arena, d->mem, sizeof d->mem);
}

static struct slice keep(struct draft *d, struct slice v)
{
	size_t start = d->arena.len;

	buf_put_slice(&d->arena, v);
	if (d->arena.overflow)
		fatal("a generated callback is too long", NULL);
	return (struct slice){ d->arena.p + start, v.len };
}

static struct slice buf_slice(const struct buf *b)
{
	return (struct slice){ b->p, b->len };
}

static void put_as(struct draft *d, const char *name, struct slice sent,
		   struct slice signed_as)
{
	if (d->n == FORM_MAX_FIELDS)
		fatal("too many fields in a generated callback", name);
	d->f[d->n++] = (struct draft_field){ name, sent, signed_as };
}

static void put(struct draft *d, const char *name, struct slice v)
{
	v = keep(d, v);
	put_as(d, name, v, v);
}

static void put_str(struct draft *d, const char *name, const char *v)
{
	put(d, name, slice_from(v));
}

/* A value the merchant percent-encoded before the form encoded it again,
 * so it arrives still encoded; the bank signs it decoded once more
 * (public SDKs), or, more rarely, as it arrives. */
static void put_encoded(struct draft *d, const char *name, struct slice v,
			bool signed_decoded)
{
	char mem[2048];
	struct buf b;
	struct slice sent;

	buf_init(&b, mem, sizeof mem);
	buf_put_pct(&b, v);
	sent = keep(d, buf_slice(&b));
	put_as(d, name, sent, signed_decoded ? keep(d, v) : sent);
}

/* How a merchant's own text (a URL, MerPriv, RespExt) comes back: as
 * sent, or, for a URL, now and then still percent-encoded. */
static void put_echoed(struct draft *d, const char *name, struct slice v)
{
	unsigned r = below(100);

	if (v.len == 0 || r < 75 || !memchr(v.p, ':', v.len))
		put(d, name, v);
	else
		put_encoded(d, name, v, r < 93);
}

static const struct draft_field *draft_get(const struct draft *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->f[i].name, name) == 0)
			return &d->f[i];
	return NULL;
}

/* ---- realistic values ---- */

/* Any draw of make() that matches re (NULL: the first one).  A pattern
 * selects among the formats a generator knows. */
static void matching(struct buf *b, const regex_t *re, const char *what,
		     void (*make)(struct buf *b, const char *date), const char *date)
{
	for (int i = 0; i < ID_TRIES; i++) {
		buf_reset(b);
		make(b, date);
		if (!b->overflow && slice_matches(buf_slice(b), re))
			return;
	}
	fatal("no generated id matches the pattern", what);
}

static void put_time(struct buf *b)
{
	char t[8];

	snprintf(t, sizeof t, "%02u%02u%02u", below(24), below(60), below(60));
	buf_puts(b, t);
}

/* The merchant's own order ids, in the formats seen in the wild. */
static void make_ord_id(struct buf *b, const char *date)
{
	unsigned r = below(100);

	if (r < 45) {
		/* the real one: YYYYMMDDhhmmssSSS and 3 random digits
		 * (20161109115219070791) */
		buf_puts(b, date);
		put_time(b);
		put_digits(b, 6);
	} else if (r < 60) {          /* date and a daily sequence */
		buf_puts(b, date);
		buf_putc(b, '0');
		buf_putc(b, '0');
		put_digits(b, 4);
	} else if (r < 75) {          /* "NS" and a timestamp */
		buf_puts(b, "NS");
		buf_puts(b, date);
		put_time(b);
	} else if (r < 90) {          /* random digits */
		put_digits(b, between(10, 30));
	} else {                      /* random alphanumerics */
		put_from(b, alnum, between(8, 30));
	}
}

static void make_trx_id(struct buf *b, const char *date)
{
	if (chance(50)) {             /* 201611090000687903 */
		buf_puts(b, date);
		put_digits(b, 10);
	} else {                      /* 022497067341634515 */
		put_digits(b, 18);
	}
}

static void put_trx_id(struct draft *d, const char *date)
{
	char mem[32];
	struct buf b;

	buf_init(&b, mem, sizeof mem);
	make_trx_id(&b, date);
	put(d, "TrxId", buf_slice(&b));
}

/* 6000060 and 9 digits, as every UsrCustId seen. */
static void put_cust_id(struct draft *d, const char *name)
{
	char mem[32];
	struct buf b;

	buf_init(&b, mem, sizeof mem);
	buf_puts(&b, "6000060");
	put_digits(&b, 9);
	put(d, name, buf_slice(&b));
}

/* Round sums are what people top up; the rest spread over every size,
 * cents and all. */
static void put_amount(struct draft *d, const char *name)
{
	static const char *const round[] = {
		"100.00", "200.00", "300.00", "500.00", "1000.00", "2000.00",
		"3000.00", "5000.00", "10000.00", "20000.00", "50000.00",
	};
	char mem[32];
	struct buf b;
	unsigned r = below(100);

	buf_init(&b, mem, sizeof mem);
	if (r < 35) {
		buf_puts(&b, PICK(round));
	} else if (r < 40) {          /* 0.01 .. 0.99 */
		char cents[8];

		snprintf(cents, sizeof cents, "0.%02u", between(1, 99));
		buf_puts(&b, cents);
	} else {                      /* 1 to 5 digits, then cents or .00 */
		buf_putc(&b, (char)('1' + below(9)));
		put_digits(&b, below(5));
		buf_putc(&b, '.');
		if (r < 60) {
			buf_puts(&b, "00");
		} else {
			put_digits(&b, 2);
		}
	}
	put(d, name, buf_slice(&b));
}

/* The platform's own URLs, as its three deployments send them. */
static void put_url(struct draft *d, const char *name, const char *path)
{
	static const char *const hosts[] = {
		"m.fengchaohuzhu.com", "m.fengchaohuzhu.com", "m.fengchaohuzhu.com",
		"dev.fengchaohuzhu.com", "www.fengchaohuzhu.com", "test.fengchaohuzhu.com:8080",
	};
	static const char *const queries[] = {
		"?from=app", "?channel=wechat", "?src=h5&v=2", "?v=2", "?t=",
		"?uid=", "?redirect=%2F%23%2Fhome",
	};
	char mem[512];
	struct buf b;

	buf_init(&b, mem, sizeof mem);
	buf_puts(&b, chance(85) ? "http://" : "https://");
	buf_puts(&b, PICK(hosts));
	buf_puts(&b, path);
	if (chance(20)) {
		const char *q = PICK(queries);

		buf_puts(&b, q);
		if (q[strlen(q) - 1] == '=')
			put_digits(&b, between(4, 10));
	}
	put_echoed(d, name, buf_slice(&b));
}

/* Empty, a 32-hex token (7966E0974889CC70AFFA2BF9F7D03A4A) or digits. */
static void put_mer_priv(struct draft *d)
{
	char mem[64];
	struct buf b;
	unsigned r = below(100);

	buf_init(&b, mem, sizeof mem);
	if (r >= 80)
		put_digits(&b, between(1, 12));
	else if (r >= 40)
		put_from(&b, "0123456789ABCDEF", 32);
	put_echoed(d, "MerPriv", buf_slice(&b));
}

/* The platform's pnrid in the forms merchants use. */
static void make_usr_id(struct buf *b, const char *unused)
{
	static const char *const pinyin[] = {
		"chengkai", "zhangwei", "wangfang", "liuyang", "lijing",
		"chenjie", "zhaolei", "huangmin", "zhouxin", "wuhao",
	};
	static const char *const mail[] = { "@qq.com", "@163.com", "@126.com" };
	unsigned r = below(100);

	(void)unused;
	if (r < 30) {                 /* pnr_10023 */
		buf_puts(b, "pnr_");
		buf_putc(b, (char)('1' + below(9)));
		put_digits(b, below(12));
	} else if (r < 55) {          /* a mobile number */
		buf_putc(b, '1');
		buf_putc(b, (char)('3' + below(7)));
		put_digits(b, 9);
	} else if (r < 75) {          /* lyjx_chengkai */
		put_from(b, "abcdefghijklmnopqrstuvwxyz", between(2, 5));
		buf_putc(b, '_');
		buf_puts(b, PICK(pinyin));
		if (chance(30))
			put_digits(b, between(1, 3));
	} else if (r < 90) {          /* a WeChat openid */
		put_from(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 24);
	} else {                      /* an e-mail address */
		buf_puts(b, PICK(pinyin));
		if (chance(50))
			buf_putc(b, '.');
		put_digits(b, below(4));
		buf_puts(b, PICK(mail));
	}
}

static void make_corp_id(struct buf *b, const char *unused)
{
	unsigned r = below(100);

	(void)unused;
	if (r < 50) {
		buf_puts(b, "corp_");
		put_digits(b, between(1, 10));
	} else if (r < 65) {
		buf_puts(b, "corp");
		put_digits(b, 6);
	} else if (r < 80) {
		buf_puts(b, "qy_");
		put_from(b, lower_alnum, between(3, 12));
	} else if (r < 90) {
		buf_puts(b, "ent");
		put_digits(b, 8);
	} else {
		buf_puts(b, "c");
		buf_putc(b, '1');
		buf_putc(b, (char)('3' + below(7)));
		put_digits(b, 9);
	}
}

/* 北京蜂巢科技有限公司 and the like: 2 to 20 CJK characters, now and then
 * a region in full-width brackets or a digit in the middle. */
static void make_company_name(struct buf *b)
{
	static const char *const cities[] = {
		"北京", "上海", "深圳", "广州", "杭州", "成都", "南京", "武汉", "西安", "苏州",
	};
	static const char *const names[] = {
		"蜂巢", "华信", "汇通", "金源", "鼎盛", "恒达", "瑞丰", "中科", "天宇",
		"博远", "宏图", "新锐", "某某", "联合", "嘉禾", "汇付", "聚财宝",
	};
	static const char *const trades[] = {
		"科技", "信息技术", "网络科技", "投资管理", "贸易", "实业", "金融服务",
		"电子商务", "文化传媒", "建设工程", "资产管理",
	};
	static const char *const forms[] = { "有限公司", "股份有限公司", "有限责任公司" };
	unsigned r = below(100);

	if (r < 5) {                  /* a short name alone */
		buf_puts(b, PICK(names));
		return;
	}
	if (r < 60)
		buf_puts(b, PICK(cities));
	buf_puts(b, PICK(names));
	if (r >= 90 && r < 93)
		buf_puts(b, chance(50) ? "58" : "360");
	if (r >= 60 && r < 75) {
		buf_puts(b, "（");
		buf_puts(b, PICK(cities));
		buf_puts(b, "）");
	}
	buf_puts(b, PICK(trades));
	buf_puts(b, PICK(forms));
}

static void make_ascii_company_name(struct buf *b)
{
	static const char *const names[] = {
		"ACME", "Fengchao", "Huaxin", "Beijing Huitong", "Sino Pacific", "Golden Bee",
	};
	static const char *const trades[] = {
		" Technology", " Trading", " Investment", " Information Technology", "",
	};
	static const char *const forms[] = {
		" Co., Ltd.", " Ltd", " Co Ltd", " CO.,LTD", " Limited",
	};

	buf_puts(b, PICK(names));
	buf_puts(b, PICK(trades));
	buf_puts(b, PICK(forms));
}

/* UTF-8 to GBK, for a bank configured to send CharSet=GBK. */
static struct slice to_gbk(struct draft *d, struct slice utf8)
{
	static iconv_t cd;
	static bool opened;
	char mem[512], *in = (char *)utf8.p, *out = mem;   /* iconv only reads it */
	size_t inleft = utf8.len, outleft = sizeof mem;

	if (!opened) {
		cd = iconv_open("GBK", "UTF-8");
		if (cd == (iconv_t)-1) // NOLINT(performance-no-int-to-ptr): iconv's error value
			fatal("iconv cannot convert UTF-8 to GBK", NULL);
		opened = true;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1)
		fatal("a generated name is not GBK", NULL);
	return keep(d, (struct slice){ mem, sizeof mem - outleft });
}

/* Text as the bank sends it: GBK when it says CharSet=GBK. */
static void put_text(struct draft *d, const char *name, struct slice utf8)
{
	struct slice v = d->gbk ? to_gbk(d, utf8) : keep(d, utf8);

	put_as(d, name, v, v);
}

/* ---- the three generators ---- */

static void gen_netsave(struct draft *d, const struct rule_env *env)
{
	static const char *const banks[] = { "CIB", "ICBC", "CCB", "ABC", "BOC", "CMB" };
	char date[9], ord_date[9], mem[64];
	struct buf b;
	long day = env->today - below(4);
	bool ok = !chance(5);

	ymd(day, date);
	/* An order placed before midnight is paid after it. */
	ymd(chance(90) ? day : day - 1, ord_date);
	buf_init(&b, mem, sizeof mem);
	put_str(d, "CmdId", "NetSave");
	put_str(d, "RespCode", ok ? "000" : "210");
	put_str(d, "RespDesc", ok ? "成功" : "用户在商户下不存在");
	put_str(d, "MerCustId", env->mer_cust_id);
	put_cust_id(d, "UsrCustId");
	matching(&b, env->ord_id_pattern, "OrdId", make_ord_id, ord_date);
	put(d, "OrdId", buf_slice(&b));
	put_str(d, "OrdDate", date);
	put_amount(d, "TransAmt");
	/* A failed top-up comes with an empty TrxId and no gate or fee. */
	if (ok) {
		put_trx_id(d, date);
		put_str(d, "GateBusiId", chance(50) ? "QP" : "B2C");
		put_str(d, "GateBankId", PICK(banks));
		put_str(d, "FeeAmt", chance(50) ? "0.00" : "30.00");
		put_str(d, "FeeCustId", env->mer_cust_id);
		put_str(d, "FeeAcctId", "MDT000001");
	} else {
		put_str(d, "TrxId", "");
	}
	if (!chance(5))
		put_url(d, "RetUrl", "/bank/NetSaveCallback");
	put_url(d, "BgRetUrl", "/bank/netsave");
	put_mer_priv(d);
	put_str(d, "CardId", "6222020200000000001");
}

static void gen_user_register(struct draft *d, const struct rule_env *env)
{
	char date[9], mem[64];
	struct buf b;
	bool ok = !chance(8);

	ymd(env->today, date);
	buf_init(&b, mem, sizeof mem);
	put_str(d, "CmdId", "UserRegister");
	put_str(d, "RespCode", ok ? "000" : "351");
	put_str(d, "RespDesc", ok ? "成功" : "身份证号码已存在");
	put_str(d, "MerCustId", env->mer_cust_id);
	matching(&b, env->usr_id_pattern, "UsrId", make_usr_id, date);
	put(d, "UsrId", buf_slice(&b));
	/* The bank opens the account, and names it, only on success. */
	if (ok)
		put_cust_id(d, "UsrCustId");
	put_url(d, "BgRetUrl", "/bank/register");
	put_trx_id(d, date);
	/* The platform always sends a RetUrl, and the rules require it. */
	put_url(d, "RetUrl", "/bank/RegisterCallback");
	put_mer_priv(d);
	put_str(d, "IdType", "00");
	put_str(d, "IdNo", "110101199001011234");
	put_str(d, "UsrMp", "13800138000");
	put_str(d, "UsrEmail", "alice@example.com");
	put_str(d, "UsrName", "张三");
}

static void put_usr_name(struct draft *d, const struct rule_env *env)
{
	char mem[256];
	struct buf b;
	unsigned r = below(100);
	bool ascii = env->usr_id_pattern && chance(20);

	/* Every step names the company: the rules require UsrName. */
	buf_init(&b, mem, sizeof mem);
	if (ascii)
		make_ascii_company_name(&b);
	else
		make_company_name(&b);
	if (d->gbk || r >= 13) {
		put_text(d, "UsrName", buf_slice(&b));
	} else {
		/* encoded by the merchant, signed decoded by the SDK */
		put_encoded(d, "UsrName", buf_slice(&b), true);
	}
}

static void put_resp_ext(struct draft *d)
{
	static const char *const exts[] = {
		"{\"Vocation\":\"01\"}", "{\"ProvId\":\"0031\",\"AreaId\":\"3100\"}",
		"{\"BankName\":\"招商银行\"}", "{}", "{\"LoginName\":\"corp_admin\"}",
	};

	if (chance(70))
		put_str(d, "RespExt", "");
	else if (!d->gbk && chance(20))
		put_encoded(d, "RespExt", slice_from(PICK(exts)), true);
	else
		put_text(d, "RespExt", slice_from(PICK(exts)));
}

static void gen_corp_register(struct draft *d, const struct rule_env *env)
{
	static const char *const banks[] = {
		"ICBC", "CIB", "BOC", "CCB", "ABC", "CMB", "CMBC", "SPDB", "PSBC", "CITIC",
	};
	static const char stats[] = "IITTTPPPPRFKKYYYYYYY";
	char date[9], mem[64], stat[2] = { 0, 0 };
	struct buf b;
	unsigned r = below(100);

	ymd(env->today, date);
	buf_init(&b, mem, sizeof mem);
	stat[0] = stats[below(sizeof stats - 1)];
	/* a bank that speaks GBK says so; CharSet is not signed */
	d->gbk = chance(10);
	if (d->gbk)
		put_str(d, "CharSet", "GBK");
	put_str(d, "CmdId", "CorpRegister");
	put_str(d, "RespCode", chance(95) ? "000" : "999");
	put_text(d, "RespDesc", slice_from("成功"));
	put_str(d, "MerCustId", env->mer_cust_id);
	matching(&b, env->usr_id_pattern, "UsrId", make_corp_id, date);
	put(d, "UsrId", buf_slice(&b));
	put_usr_name(d, env);
	/* the account exists once opened, sometimes while opening */
	if (stat[0] == 'Y' || (stat[0] == 'K' && chance(50)))
		put_cust_id(d, "UsrCustId");
	put_str(d, "AuditStat", stat);
	put_text(d, "AuditDesc", slice_from("审核中"));
	put_str(d, "MerPriv", chance(50) ? "" : "7966E0974889CC70AFFA2BF9F7D03A4A");
	put_trx_id(d, date);
	if (r < 80)
		put_str(d, "OpenBankId", PICK(banks));
	if (r < 70) {
		buf_reset(&b);
		buf_puts(&b, chance(80) ? "62" : "4");
		put_digits(&b, between(16, 19) - (unsigned)b.len);
		put(d, "CardId", buf_slice(&b));
	}
	put_url(d, "BgRetUrl", "/bank/CorpRegister");
	put_resp_ext(d);
}

struct cmd {
	const char *name;
	const struct callback_spec *spec;
	void (*generate)(struct draft *d, const struct rule_env *env);
};

/* The background callbacks' specs; the page returns share them. */
static struct cmd cmds[NCMDS];

static void cmds_init(void)
{
	cmds[0] = (struct cmd){ "UserRegister", user_register_background.spec, gen_user_register };
	cmds[1] = (struct cmd){ "NetSave", netsave_background.spec, gen_netsave };
	cmds[2] = (struct cmd){ "CorpRegister", corp_register_background.spec, gen_corp_register };
}

/* ---- the signed string, and the bank's signature ---- */

struct span {
	size_t start, end;
};

static size_t count_fields(const struct callback_spec *spec)
{
	size_t n = 0;

	while (spec->signed_fields[n].name)
		n++;
	if (n > MAX_FIELDS)
		fatal("a spec signs more fields than recut handles", spec->cmd_id);
	return n;
}

/* The bank's plain concatenation of the trimmed signed fields, and where
 * each lies in it: the genuine cutting. */
static void draft_signed(const struct callback_spec *spec, const struct draft *d,
			 struct buf *out, struct span *cut)
{
	buf_reset(out);
	for (size_t i = 0; spec->signed_fields[i].name; i++) {
		const struct draft_field *f = draft_get(d, spec->signed_fields[i].name);
		struct slice v = f ? slice_trim(f->signed_as) : (struct slice){ "", 0 };

		cut[i].start = out->len;
		buf_put_slice(out, v);
		cut[i].end = out->len;
	}
	if (out->overflow)
		fatal("a generated signed string is too long", spec->cmd_id);
}

struct signer {
	EVP_PKEY *key;
	EVP_MD_CTX *md;
	struct rsa_pubkey pub;
};

static void bn_param(EVP_PKEY *key, const char *name, unsigned char *out, size_t *len)
{
	BIGNUM *bn = NULL;

	if (!EVP_PKEY_get_bn_param(key, name, &bn) || BN_num_bytes(bn) > RSA_MAX_BYTES)
		fatal("cannot read the throwaway key", name);
	*len = (size_t)BN_bn2bin(bn, out);
	BN_free(bn);
}

/* A throwaway RSA-1024 key, the size of the bank's; the tool sees its
 * public half as the handler sees the bank's (struct rsa_pubkey). */
static void signer_init(struct signer *s)
{
	s->key = EVP_RSA_gen(1024);
	s->md = EVP_MD_CTX_new();
	if (!s->key || !s->md)
		fatal("cannot make a throwaway RSA key", NULL);
	bn_param(s->key, OSSL_PKEY_PARAM_RSA_N, s->pub.n, &s->pub.n_len);
	bn_param(s->key, OSSL_PKEY_PARAM_RSA_E, s->pub.e, &s->pub.e_len);
}

static void signer_free(struct signer *s)
{
	EVP_MD_CTX_free(s->md);
	EVP_PKEY_free(s->key);
}

/* ChkValue: PKCS#1 v1.5 over SHA-1, upper-case hex, like the bank. */
static void sign(struct signer *s, struct slice msg, char hex[CHK_HEX_MAX])
{
	unsigned char sig[RSA_MAX_BYTES];
	size_t len = sizeof sig;
	struct buf b;

	if (!EVP_DigestSignInit(s->md, NULL, EVP_sha1(), NULL, s->key) ||
	    !EVP_DigestSign(s->md, sig, &len, (const unsigned char *)msg.p, msg.len))
		fatal("cannot sign", NULL);
	buf_init(&b, hex, CHK_HEX_MAX);
	buf_put_hex(&b, sig, len);
}

/* The form as the handler sees it once decoded. */
static void draft_form(const struct draft *d, const char *chk, struct form *f)
{
	f->n = 0;
	for (size_t i = 0; i < d->n; i++)
		f->fields[f->n++] = (struct form_field){ slice_from(d->f[i].name), d->f[i].sent };
	f->fields[f->n++] = (struct form_field){ slice_from("ChkValue"), slice_from(chk) };
}

/* ---- cuttings ----
 *
 * Every cutting of a signed string into the spec's fields whose pieces
 * pass the spec's field rules, as the handler would apply them to a
 * posted form: CmdId the spec's, MerCustId ours, a piece empty only
 * where the rule allows it, every piece its own trimmed self (the bank
 * trims before it signs), every shape under either text reading
 * (CharSet is not signed, so the sender picks UTF-8 or GBK). */

enum success { UNKNOWN, FAILURE, SUCCESS };

struct cutter {
	const struct callback_spec *spec;
	const struct rule_env *env;
	const struct field_rule *rule[MAX_FIELDS];  /* NULL: any text */
	const char *fixed[MAX_FIELDS];              /* CmdId's and MerCustId's one value */
	size_t nfields, resp_code;                  /* RespCode's index */
	struct slice s;
	unsigned char *dead;     /* [success][field][pos]: no cutting on from here */
	struct span cur[MAX_FIELDS];
	long listed, limit;
	bool cut_short;
	void (*visit)(struct cutter *c, void *arg);
	void *arg;
};

/* The handler's own definitions of "may be empty" and "has the shape":
 * the listing must accept exactly the pieces the rules accept. */
static bool needed(const struct field_rule *r, enum success success)
{
	return field_rule_needed(r, success == SUCCESS);
}

static bool fits(const struct cutter *c, size_t i, struct slice piece,
		 enum success success)
{
	const struct field_rule *r = c->rule[i];

	if (slice_trim(piece).len != piece.len)
		return false;
	if (c->fixed[i])
		return slice_eq(piece, c->fixed[i]);
	if (!r)
		return true;
	if (piece.len == 0)
		return !needed(r, success);
	return !r->shape || field_rule_shape_either_text(r, piece, c->env);
}

/* At the end: a field cut before RespCode was known may be one that a
 * success needs. */
static bool needs_met(const struct cutter *c, enum success success)
{
	for (size_t i = 0; i < c->nfields; i++)
		if (c->rule[i] && c->cur[i].start == c->cur[i].end && needed(c->rule[i], success))
			return false;
	return true;
}

/* Lists the cuttings of s from pos into fields i.. to c->visit; true
 * when at least one completes.  A dead end is remembered, but only once
 * RespCode is cut: before that, whether a field may be empty is not yet
 * known, and the dead end would depend on the path. */
static bool cut_walk(struct cutter *c, size_t i, size_t pos, enum success success)
{
	size_t len = c->s.len;
	unsigned char *dead = &c->dead[((size_t)success * (c->nfields + 1) + i) * (len + 1) + pos];
	bool any = false;

	if (i == c->nfields) {
		if (pos != len || !needs_met(c, success))
			return false;
		c->listed++;
		c->visit(c, c->arg);
		return true;
	}
	if (*dead)
		return false;
	/* the last field takes what is left */
	for (size_t end = i + 1 == c->nfields ? len : pos; end <= len; end++) {
		struct slice piece = { c->s.p + pos, end - pos };
		enum success next = success;

		if (c->listed >= c->limit) {
			c->cut_short = true;
			return true;
		}
		if (!fits(c, i, piece, success))
			continue;
		if (i == c->resp_code)
			next = slice_eq(piece, "000") ? SUCCESS : FAILURE;
		c->cur[i] = (struct span){ pos, end };
		any |= cut_walk(c, i + 1, end, next);
	}
	if (success != UNKNOWN)
		*dead = !any;
	return any;
}

static const struct field_rule *rule_for(const struct callback_spec *spec, const char *name)
{
	for (const struct field_rule *r = spec->rules; r->name; r++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* Calls visit for each cutting of s (the genuine one too), at most
 * limit of them; false when it stopped there. */
static bool list_cuttings(const struct callback_spec *spec, const struct rule_env *env,
			  struct slice s, long limit,
			  void (*visit)(struct cutter *c, void *arg), void *arg)
{
	static unsigned char dead[3 * (MAX_FIELDS + 1) * (SIGNED_CAP + 1)];
	static struct cutter c;

	memset(&c, 0, sizeof c);
	c.spec = spec;
	c.env = env;
	c.s = s;
	c.dead = dead;
	c.limit = limit;
	c.visit = visit;
	c.arg = arg;
	c.nfields = count_fields(spec);
	c.resp_code = c.nfields;
	for (size_t i = 0; i < c.nfields; i++) {
		const char *name = spec->signed_fields[i].name;

		c.rule[i] = rule_for(spec, name);
		if (strcmp(name, "RespCode") == 0)
			c.resp_code = i;
		if (strcmp(name, "CmdId") == 0)
			c.fixed[i] = spec->cmd_id;
		if (strcmp(name, "MerCustId") == 0)
			c.fixed[i] = env->mer_cust_id;
	}
	memset(dead, 0, 3 * (c.nfields + 1) * (s.len + 1));
	cut_walk(&c, 0, 0, UNKNOWN);
	return !c.cut_short;
}

/* ---- checking one genuine callback and its re-cuts ---- */

struct tally {
	long genuine, accepted, ambiguous, refused;
	long pinned_listed, pinned_tried, pinned_accepted, pinned_ambiguous;
	long echo_listed, echo_tried, echo_accepted;
	long recut_refused_by_rule;   /* a rule callback_meanings and we read alike refused it */
	long cut_short;
	long no_second_meaning;       /* ambiguous, yet we list one meaning */
};

struct cause {
	char fields[160];             /* the fields whose boundaries move */
	long count;
	char example[EXAMPLE_MAX];
};

struct options {
	long count[NCMDS];            /* genuine callbacks per CmdId */
	long max_cuttings;
	long echo_posts;              /* echo-only re-cuts posted per CmdId; 0: all */
	unsigned long long seed;
	int examples, jobs;
	const char *only;
};

/* What is known of the callback being checked, for the visits. */
struct run {
	const struct callback_spec *spec;
	const struct rule_env *env;
	struct bank_keys keys;        /* the one key that signed */
	const struct form *genuine;
	struct slice s;
	const struct span *cut;       /* the genuine cutting */
	size_t nfields, resp_code;    /* RespCode's index */
	struct tally *t;
	bool genuine_ambiguous;
	long pinned_posted;
	bool have_other;              /* a cutting with other PINNED spans was listed */
	struct span other[MAX_FIELDS];   /* the one that moves the fewest fields */
	size_t other_moved;
	/* The echo-only re-cuts of this callback to post: all, or a uniform
	 * sample of echo_posts of them (reservoir sampling). */
	bool echo_all;
	long echo_posts, echo_seen;
	struct span (*sample)[MAX_FIELDS];   /* room for echo_posts */
};

static void run_init(struct run *r, const struct callback_spec *spec,
		     const struct rule_env *env, const struct rsa_pubkey *key,
		     const struct form *genuine, const struct span *cut, struct tally *t)
{
	memset(r, 0, sizeof *r);
	r->spec = spec;
	r->env = env;
	r->keys.key[0] = *key;
	r->keys.n = 1;
	r->genuine = genuine;
	r->cut = cut;
	r->nfields = count_fields(spec);
	r->resp_code = r->nfields;
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(spec->signed_fields[i].name, "RespCode") == 0)
			r->resp_code = i;
	r->t = t;
}

static bool is_signed(const struct callback_spec *spec, struct slice name)
{
	for (const struct signed_field *sf = spec->signed_fields; sf->name; sf++)
		if (slice_eq(name, sf->name))
			return true;
	return false;
}

/* The genuine form with the signed fields cut another way: same ChkValue,
 * same unsigned fields; CharSet GBK when gbk. */
static void recut_form(const struct run *r, const struct span *cut, bool gbk,
		       struct form *out)
{
	out->n = 0;
	for (size_t i = 0; i < r->genuine->n; i++) {
		const struct form_field *f = &r->genuine->fields[i];

		if (!is_signed(r->spec, f->name) && !(gbk && slice_eq(f->name, "CharSet")))
			out->fields[out->n++] = *f;
	}
	for (size_t i = 0; i < r->nfields; i++)
		if (cut[i].end > cut[i].start)
			out->fields[out->n++] = (struct form_field){
				slice_from(r->spec->signed_fields[i].name),
				{ r->s.p + cut[i].start, cut[i].end - cut[i].start },
			};
	if (gbk)
		out->fields[out->n++] = (struct form_field){ slice_from("CharSet"),
							     slice_from("GBK") };
}

struct verdict {
	int rc;
	bool ambiguous;
	const char *why;
};

/* callback_check()'s memory and results: v.why points into no. */
static struct callback_storage check_mem;
static struct callback check_cb;
static struct refusal check_no;

static struct verdict check(const struct run *r, const struct form *f)
{
	struct callback *cb = &check_cb;
	struct refusal *no = &check_no;
	struct verdict v = { 0, false, "" };

	v.rc = callback_check(r->spec, f, &r->keys, r->env, &check_mem, cb, no);
	v.ambiguous = cb->ambiguous;
	v.why = no->why;
	return v;
}

static bool has_high_bytes(struct slice s)
{
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] >= 0x80)
			return true;
	return false;
}

/* Posts a re-cut as a forger would: with the genuine's CharSet, and, when
 * a piece is not ASCII and that was refused by a rule, with the other. */
static struct verdict check_recut(const struct run *r, const struct span *cut)
{
	static struct form f;
	struct verdict v;

	recut_form(r, cut, false, &f);
	v = check(r, &f);
	if (v.rc != 0 && !v.ambiguous && has_high_bytes(r->s)) {
		recut_form(r, cut, true, &f);
		v = check(r, &f);
	}
	return v;
}

static bool is_gbk(const struct form *f)
{
	return slice_eq_nocase(slice_trim(form_get(f, "CharSet")), "GBK");
}

/* v for a terminal: GBK shown as UTF-8, control bytes escaped. */
static void put_visible(struct buf *b, struct slice v, bool gbk)
{
	static char mem[3 * SIGNED_CAP + 8];
	struct buf text;

	if (gbk) {
		buf_init(&text, mem, sizeof mem);
		utf8_from(&text, v, true);
		v = buf_slice(&text);
	}
	for (size_t i = 0; i < v.len; i++) {
		unsigned char ch = (unsigned char)v.p[i];

		if (ch < 0x20 || ch == 0x7f || ch == '\\') {
			char esc[8];

			snprintf(esc, sizeof esc, "\\x%02X", ch);
			buf_puts(b, esc);
		} else {
			buf_putc(b, (char)ch);
		}
	}
}

/* "OrdId=ORD OrdDate=20261127 TransAmt=20261127100.00": the fields of
 * cut that another cutting puts elsewhere. */
static void put_meaning(struct buf *b, const struct run *r, const struct span *cut,
			const struct span *versus)
{
	for (size_t i = 0; i < r->nfields; i++) {
		if (cut[i].start == versus[i].start && cut[i].end == versus[i].end)
			continue;
		buf_putc(b, ' ');
		buf_puts(b, r->spec->signed_fields[i].name);
		buf_putc(b, '=');
		put_visible(b, (struct slice){ r->s.p + cut[i].start, cut[i].end - cut[i].start },
			    is_gbk(r->genuine));
	}
}

static void describe(const struct run *r, const struct span *other, char *out, size_t outlen)
{
	struct buf b;

	buf_init(&b, out, outlen);
	buf_puts(&b, "      signed: ");
	put_visible(&b, r->s, is_gbk(r->genuine));
	buf_puts(&b, "\n      bank's:");
	put_meaning(&b, r, r->cut, other);
	buf_puts(&b, "\n      other: ");
	put_meaning(&b, r, other, r->cut);
}

static bool moves(const struct run *r, const struct span *cut, enum boundary which)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (r->spec->signed_fields[i].boundary == which &&
		    (cut[i].start != r->cut[i].start || cut[i].end != r->cut[i].end))
			return true;
	return false;
}

/* A second PRNG for the sample, so that sampling leaves the generated
 * callbacks alone. */
static uint64_t sample_state = 0x5EED;

static long sample_below(long n)
{
	uint64_t z = (sample_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return (long)((z ^ (z >> 31)) % (uint64_t)n);
}

static void post_echo_only(struct run *r, const struct span *cut)
{
	struct verdict v = check_recut(r, cut);

	r->t->echo_tried++;
	r->t->echo_accepted += v.rc == 0;
	r->t->recut_refused_by_rule += v.rc != 0 && !v.ambiguous;
}

/* How many fields cut puts elsewhere than the bank. */
static size_t moved(const struct run *r, const struct span *cut)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nfields; i++)
		n += cut[i].start != r->cut[i].start || cut[i].end != r->cut[i].end;
	return n;
}

static bool same_resp_code(const struct run *r, const struct span *cut)
{
	size_t i = r->resp_code;

	return i == r->nfields ||
	       (cut[i].end - cut[i].start == r->cut[i].end - r->cut[i].start &&
		memcmp(r->s.p + cut[i].start, r->s.p + r->cut[i].start,
		       cut[i].end - cut[i].start) == 0);
}

/* A re-cut that moves a PINNED field is the forgery that must fail: each
 * is posted.  But callback_meanings() gives every re-cut of one signed
 * string with the genuine's RespCode the genuine's answer, so once the
 * genuine was refused as ambiguous, PINNED_POSTS of its re-cuts show it
 * (a string with a name that can start anywhere in a UsrId has hundreds).
 * Re-cuts that move only ECHOED fields are many too (a URL's tail can go
 * to the next field at almost any byte): a sample of them is posted. */
static void visit(struct cutter *c, void *arg)
{
	struct run *r = arg;
	struct verdict v;

	if (!moves(r, c->cur, PINNED)) {
		if (!moves(r, c->cur, ECHOED))
			return;                   /* the bank's own cutting */
		r->t->echo_listed++;
		if (r->echo_all) {
			post_echo_only(r, c->cur);
		} else if (r->echo_posts) {
			long j = r->echo_seen < r->echo_posts ? r->echo_seen : sample_below(r->echo_seen + 1);

			if (j < r->echo_posts)
				memcpy(r->sample[j], c->cur, sizeof r->sample[j]);
			r->echo_seen++;
		}
		return;
	}
	r->t->pinned_listed++;
	if (!r->have_other || moved(r, c->cur) < r->other_moved) {
		r->have_other = true;
		r->other_moved = moved(r, c->cur);
		memcpy(r->other, c->cur, sizeof r->other);
	}
	if (r->genuine_ambiguous && r->pinned_posted >= PINNED_POSTS &&
	    same_resp_code(r, c->cur))
		return;
	r->pinned_posted++;
	v = check_recut(r, c->cur);
	r->t->recut_refused_by_rule += v.rc != 0 && !v.ambiguous;
	r->t->pinned_tried++;
	r->t->pinned_ambiguous += v.ambiguous;
	if (v.rc == 0) {
		static char text[EXAMPLE_MAX];

		if (r->t->pinned_accepted++ < SHOW_FAILURES) {
			describe(r, c->cur, text, sizeof text);
			printf("  RE-CUT ACCEPTED (%s):\n%s\n", r->spec->cmd_id, text);
		}
	}
}

/* How a PINNED field moves in the other meaning. */
static const char *shift(const struct span *bank, const struct span *other)
{
	if (other->start != bank->start)
		return other->start < bank->start ? "(earlier)" : "(later)";
	return other->end < bank->end ? "(shorter)" : "(longer)";
}

/* Which fields an ambiguity moves, and how, grouped, with the first
 * example. */
static void note_cause(struct cause *causes, size_t *ncauses, const struct run *r)
{
	char fields[sizeof causes[0].fields];
	struct buf b;
	size_t k;

	buf_init(&b, fields, sizeof fields);
	if (!r->have_other) {
		buf_puts(&b, "(no second meaning listed: budget, or the readings differ)");
	} else {
		for (size_t i = 0; i < r->nfields; i++)
			if (r->other[i].start != r->cut[i].start || r->other[i].end != r->cut[i].end) {
				buf_puts(&b, b.len ? " " : "");
				buf_puts(&b, r->spec->signed_fields[i].name);
				if (r->spec->signed_fields[i].boundary == PINNED)
					buf_puts(&b, shift(&r->cut[i], &r->other[i]));
			}
	}
	for (k = 0; k < *ncauses; k++)
		if (strcmp(causes[k].fields, fields) == 0)
			break;
	if (k == *ncauses) {
		if (k == MAX_CAUSES)
			k--;              /* the last one collects the rest */
		else
			++*ncauses;
		snprintf(causes[k].fields, sizeof causes[k].fields, "%s", fields);
		causes[k].count = 0;
		causes[k].example[0] = '\0';
		if (r->have_other)
			describe(r, r->other, causes[k].example, sizeof causes[k].example);
		else
			snprintf(causes[k].example, sizeof causes[k].example, "      signed: %.*s",
				 (int)r->s.len, r->s.p);
	}
	causes[k].count++;
}

/* Checks one genuine callback and every re-cut of it.  Returns the
 * genuine's verdict. */
static struct verdict check_genuine(struct run *r, long max_cuttings,
				    struct cause *causes, size_t *ncauses)
{
	struct verdict v = check(r, r->genuine);

	r->t->genuine++;
	r->genuine_ambiguous = v.ambiguous;
	r->pinned_posted = 0;
	r->have_other = false;
	r->echo_seen = 0;
	if (v.rc == 0)
		r->t->accepted++;
	else if (v.ambiguous)
		r->t->ambiguous++;
	else
		r->t->refused++;
	if (!list_cuttings(r->spec, r->env, r->s, max_cuttings, visit, r))
		r->t->cut_short++;
	for (long j = 0; j < r->echo_seen && j < r->echo_posts; j++)
		post_echo_only(r, r->sample[j]);
	if (v.ambiguous) {
		r->t->no_second_meaning += !r->have_other;
		note_cause(causes, ncauses, r);
	}
	return v;
}

/* ---- one pass over one CmdId ---- */


static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static double pct(long part, long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static int cause_order(const void *a, const void *b)
{
	const struct cause *x = a, *y = b;

	return (y->count > x->count) - (y->count < x->count);
}

static void print_tally(const char *label, const struct tally *t, struct cause *causes,
			size_t ncauses, double seconds, const struct options *o)
{
	printf("%s: %ld genuine, %ld refused as ambiguous (%.3f%%), %ld refused otherwise, "
	       "%ld re-cuts accepted, %ld echo-only re-cuts accepted\n",
	       label, t->genuine, t->ambiguous, pct(t->ambiguous, t->genuine), t->refused,
	       t->pinned_accepted, t->echo_accepted);
	printf("  re-cuts: %ld moving a PINNED field listed, %ld posted (%ld refused as ambiguous); "
	       "%ld echo-only listed, %ld posted; %ld refused by a field rule; %.1f s\n",
	       t->pinned_listed, t->pinned_tried, t->pinned_ambiguous, t->echo_listed,
	       t->echo_tried, t->recut_refused_by_rule, seconds);
	if (t->cut_short)
		printf("  %ld genuine callbacks had more than %ld cuttings: listed only that many\n",
		       t->cut_short, o->max_cuttings);
	if (t->no_second_meaning)
		printf("  %ld ambiguous genuine with no second meaning listed\n",
		       t->no_second_meaning);
	qsort(causes, ncauses, sizeof causes[0], cause_order);
	for (size_t k = 0; k < ncauses; k++) {
		printf("  ambiguous, moving %s: %ld (%.3f%%)\n", causes[k].fields, causes[k].count,
		       pct(causes[k].count, t->genuine));
		if ((int)k < o->examples)
			printf("%s\n", causes[k].example);
	}
}

static void seed_for(unsigned long long seed, const char *name)
{
	/* each CmdId its own stream, whichever others run */
	rng_state = seed;
	for (const char *p = name; *p; p++)
		rng_state = rng_state * 1099511628211ull + (unsigned char)*p;
}

/* How many of the echo-only re-cuts of callback n of count to post, so
 * that k are posted in all, spread evenly. */
static long echo_quota(long k, long n, long count)
{
	return (n + 1) * k / count - n * k / count;
}

/* count genuine callbacks of one CmdId under env.  Returns true when
 * nothing failed. */
static bool run_cmd(const struct cmd *cmd, const char *label, const struct rule_env *env,
		    long count, struct signer *sg, const struct options *o)
{
	static struct draft d;
	static struct form form;
	static struct cause causes[MAX_CAUSES];
	static char signed_mem[SIGNED_CAP];
	char chk[CHK_HEX_MAX];
	struct span cut[MAX_FIELDS] = { { 0, 0 } };
	struct buf s;
	struct tally t = { 0 };
	size_t ncauses = 0;
	struct run r;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_init(&r, cmd->spec, env, &sg->pub, &form, cut, &t);
	r.echo_all = o->echo_posts == 0;
	r.sample = calloc((size_t)echo_quota(o->echo_posts, 0, count) + 1, sizeof *r.sample);
	if (!r.sample)
		fatal("out of memory", NULL);
	seed_for(o->seed, cmd->name);
	buf_init(&s, signed_mem, sizeof signed_mem);
	for (long n = 0; n < count; n++) {
		struct verdict v;

		draft_init(&d);
		cmd->generate(&d, env);
		draft_signed(cmd->spec, &d, &s, cut);
		sign(sg, buf_slice(&s), chk);
		draft_form(&d, chk, &form);
		r.s = buf_slice(&s);
		r.echo_posts = echo_quota(o->echo_posts, n, count);
		v = check_genuine(&r, o->max_cuttings, causes, &ncauses);
		if (v.rc != 0 && !v.ambiguous && t.refused <= SHOW_FAILURES) {
			struct buf b;
			char text[EXAMPLE_MAX];

			buf_init(&b, text, sizeof text);
			put_visible(&b, r.s, is_gbk(&form));
			printf("  GENUINE REFUSED (%s #%ld, %d %s): %s\n", cmd->name, n, v.rc,
			       v.why, text);
		}
	}
	free(r.sample);
	print_tally(label, &t, causes, ncauses, since(&t0), o);
	return t.pinned_accepted == 0 && t.refused == 0;
}

/* ---- the bank's own two callbacks (tests/data/chinapnr-real-callbacks.json) ---- */

struct real_field {
	const char *name, *value;
};

static const struct real_field real_register[] = {
	{ "CmdId", "UserRegister" },
	{ "RespCode", "000" },
	{ "MerCustId", "6000060000180254" },
	{ "UsrId", "lyjx_chengkai" },
	{ "UsrCustId", "6000060000198227" },
	{ "BgRetUrl", "http://luyangwx.eicp.net:42846/openMvc/huifucallback/printRegistResult" },
	{ "TrxId", "947316106017971689" },
	{ "RetUrl", "http://luyangwx.eicp.net:42846/openMvc/success.jsp" },
	{ "MerPriv", "" },
	{ "ChkValue", "1E4BBFB055DE834B01BA535BC1789E2E615BC0F26523C3A864764FE44ABCF875"
		      "4770B793D9CDB010E553AFD9DE4DFDE09D73B85D87079ADB5313C7835EB8027E"
		      "9F5A5977AF8127BBE9EB8919AED464136C800741FE8829A644A620D576F229A6"
		      "D1A3E57DEB40322C8188AB44C62FB34E81C4C91631902481F0371A3A027EE3ED" },
	{ NULL, NULL },
};

/* Personal unsigned fields were redacted in the data file, as here. */
static const struct real_field real_netsave[] = {
	{ "CmdId", "NetSave" },
	{ "RespCode", "000" },
	{ "RespDesc", "成功" },
	{ "MerCustId", "6000060000736878" },
	{ "UsrCustId", "6000060005962961" },
	{ "OrdId", "20161109115219070791" },
	{ "OrdDate", "20161109" },
	{ "TransAmt", "20000.00" },
	{ "TrxId", "201611090000687903" },
	{ "GateBusiId", "QP" },
	{ "GateBankId", "CIB" },
	{ "FeeAmt", "30.00" },
	{ "FeeCustId", "6000060000736878" },
	{ "FeeAcctId", "MDT000001" },
	{ "RetUrl", "http://localhost:17745/usercenter/SuQPNetSave" },
	{ "BgRetUrl", "http://localhost:17745/Thirdparty/ReQPNetSave" },
	{ "CardId", "REDACTED" },
	{ "MerPriv", "7966E0974889CC70AFFA2BF9F7D03A4A" },
	{ "ChkValue", "7EFE633910375D21E58908A2EA25E0B32FCB0E0D460F65A59B6DAA48CD535057"
		      "08603AAAE059151C1AB333B042AED07ECD52D9A55CCB2A02102DDBD27A672D84"
		      "522134D5FB2FCFD9EAB62C40B21C13B31086506F101ABCA975A918D1D4CDBC07"
		      "6ECE40A9976076E0468905A652D449F022D72C857BD0DF256D8CF3603CDA1EF5" },
	{ NULL, NULL },
};

/* One real callback under its own merchant and a window back to 2016. */
static bool run_real(const struct callback_spec *spec, const struct real_field *fields,
		     const struct rule_env *today_env, const struct rsa_pubkey *key,
		     struct tally *t, const struct options *o)
{
	static struct draft d;
	static struct form form;
	static char signed_mem[SIGNED_CAP];
	static struct cause causes[MAX_CAUSES];
	size_t ncauses = 0;
	const char *chk = NULL;
	struct span cut[MAX_FIELDS] = { { 0, 0 } };
	struct buf s;
	struct rule_env env = *today_env;
	struct run r;
	struct verdict v;

	run_init(&r, spec, &env, key, &form, cut, t);
	r.echo_all = true;               /* only two callbacks: post every re-cut */
	env.order_days_before = 5000;
	env.ord_id_pattern = env.usr_id_pattern = NULL;
	draft_init(&d);
	for (const struct real_field *f = fields; f->name; f++) {
		if (strcmp(f->name, "ChkValue") == 0)
			chk = f->value;
		else
			put_str(&d, f->name, f->value);
		if (strcmp(f->name, "MerCustId") == 0)
			env.mer_cust_id = f->value;
	}
	buf_init(&s, signed_mem, sizeof signed_mem);
	draft_signed(spec, &d, &s, cut);
	draft_form(&d, chk, &form);
	r.s = buf_slice(&s);
	v = check_genuine(&r, o->max_cuttings, causes, &ncauses);
	if (v.rc != 0)
		printf("  REAL %s REFUSED: %d %s\n", spec->cmd_id, v.rc, v.why);
	return v.rc == 0;
}

static bool run_reals(const struct rule_env *env, const char *key_path,
		      const struct options *o)
{
	static struct rsa_pubkey key;
	enum key_format format;
	char err[512];
	struct tally t = { 0 };
	bool ok;

	if (keyfile_load(key_path, &key, &format, err, sizeof err))
		fatal("cannot load the bank's key (run from the top of the tree)", err);
	ok = run_real(user_register_background.spec, real_register, env, &key, &t, o);
	ok &= run_real(netsave_background.spec, real_netsave, env, &key, &t, o);
	printf("the bank's own callbacks (its key, a 5000-day window): %ld of %ld accepted, "
	       "%ld re-cuts accepted, %ld echo-only re-cuts accepted\n",
	       t.accepted, t.genuine, t.pinned_accepted, t.echo_accepted);
	return ok && t.pinned_accepted == 0;
}

/* ---- jobs: one per CmdId and pass, as many at once as there are cores ---- */

struct job {
	const struct cmd *cmd;
	const struct rule_env *env;
	long count;
	char label[PATTERN_MAX * 2 + 64];
	FILE *out;                    /* what it printed, shown in job order */
	pid_t pid;
	int status;                   /* exit status: 0, 1 or 2 */
};

static int run_job(const struct job *j, struct signer *sg, const struct options *o)
{
	return run_cmd(j->cmd, j->label, j->env, j->count, sg, o) ? 0 : 1;
}

static struct job *job_of(struct job *jobs, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].pid == pid)
			return &jobs[i];
	return NULL;
}

/* Runs the jobs in child processes, at most o->jobs at once, the last
 * first (CorpRegister costs the most per callback), and prints their
 * output in job order.  Returns the worst exit status. */
static int run_jobs(struct job *jobs, size_t n, struct signer *sg, const struct options *o)
{
	size_t next = n, running = 0;
	int worst = 0;

	if (o->jobs <= 1) {
		for (size_t i = 0; i < n; i++) {
			int st = run_job(&jobs[i], sg, o);

			worst = st > worst ? st : worst;
		}
		return worst;
	}
	while (next > 0 || running > 0) {
		int status;
		pid_t pid;
		struct job *j;

		while (next > 0 && running < (size_t)o->jobs) {
			j = &jobs[--next];
			j->out = tmpfile();
			fflush(stdout);
			if (!j->out || (j->pid = fork()) < 0)
				fatal("cannot start a job", j->label);
			if (j->pid == 0) {
				/* exit() flushes it all into the file */
				if (dup2(fileno(j->out), STDOUT_FILENO) < 0)
					_exit(2);
				exit(run_job(j, sg, o));
			}
			running++;
		}
		pid = wait(&status);
		j = pid > 0 ? job_of(jobs, n, pid) : NULL;
		if (!j)
			fatal("lost a job", NULL);
		j->status = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
		running--;
	}
	for (size_t i = 0; i < n; i++) {
		char mem[4096];
		size_t got;

		rewind(jobs[i].out);
		while ((got = fread(mem, 1, sizeof mem, jobs[i].out)) > 0)
			fwrite(mem, 1, got, stdout);
		fclose(jobs[i].out);
		if (jobs[i].status != 0 && jobs[i].status != 1)
			printf("%s: the job died (exit status %d)\n", jobs[i].label, jobs[i].status);
		worst = jobs[i].status > worst ? jobs[i].status : worst;
	}
	return worst;
}

/* ---- main ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tests/recut [-n [CMDID=]N]... [--seed S] [--only CMDID] [-j JOBS]\n"
		"                   [--ord-id-pattern RE] [--usr-id-pattern RE]\n"
		"                   [--examples K] [--max-cuttings M] [--echo-posts K]\n"
		"                   [--today YYYYMMDD] [--order-days BEFORE[,AFTER]]\n"
		"                   [--mer-cust-id ID] [--real-key FILE]\n"
		"Generates N genuine callbacks per CmdId (default 10000), signs them like\n"
		"the bank, and checks them and every other cutting of their signed\n"
		"strings with callback_check(); see the head of tests/recut.c.\n");
}

static long number(const char *arg, const char *what, long min)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < min)
		fatal("not a number, or too small", what);
	return v;
}

/* -n N: every CmdId; -n CMDID=N: that one. */
static void parse_count(const char *arg, struct options *o)
{
	const char *eq = strchr(arg, '=');

	for (size_t i = 0; i < NCMDS; i++) {
		size_t len = strlen(cmds[i].name);

		if (!eq)
			o->count[i] = number(arg, "-n", 1);
		else if ((size_t)(eq - arg) == len && strncmp(arg, cmds[i].name, len) == 0)
			o->count[i] = number(eq + 1, "-n", 1);
		else
			continue;
		if (eq)
			return;
	}
	if (eq)
		fatal("-n names no CmdId recut knows", arg);
}

static long parse_day(const char *v)
{
	unsigned n = 0;

	if (strlen(v) != 8 || !slice_all(slice_from(v), ascii_digit, ""))
		fatal("--today is not YYYYMMDD", v);
	for (const char *p = v; *p; p++)
		n = n * 10 + (unsigned)(*p - '0');
	if (n / 100 % 100 < 1 || n / 100 % 100 > 12 || n % 100 < 1 || n % 100 > 31)
		fatal("--today is not YYYYMMDD", v);
	return days_from_civil(n / 10000, n / 100 % 100, n % 100);
}

/* "^(" PATTERN ")$", as rule_env_init compiles them. */
static const regex_t *compile(const char *pattern, regex_t *re)
{
	char anchored[PATTERN_MAX + 8];

	if (!pattern)
		return NULL;
	if (strlen(pattern) > PATTERN_MAX)
		fatal("pattern too long", pattern);
	snprintf(anchored, sizeof anchored, "^(%s)$", pattern);
	if (regcomp(re, anchored, REG_EXTENDED | REG_NOSUB))
		fatal("not a POSIX extended regular expression", pattern);
	return re;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' },
		{ "ord-id-pattern", required_argument, NULL, 'O' },
		{ "usr-id-pattern", required_argument, NULL, 'U' },
		{ "examples", required_argument, NULL, 'e' },
		{ "max-cuttings", required_argument, NULL, 'm' },
		{ "echo-posts", required_argument, NULL, 'E' },
		{ "today", required_argument, NULL, 't' },
		{ "order-days", required_argument, NULL, 'd' },
		{ "mer-cust-id", required_argument, NULL, 'M' },
		{ "real-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct job jobs[2 * NCMDS];
	struct options o = { .count = { 10000, 10000, 10000 }, .max_cuttings = 10000,
			     .echo_posts = 300, .seed = 1, .examples = 3 };
	struct config cfg = { 0 };
	const char *today = NULL, *ord_pattern = NULL, *usr_pattern = NULL;
	const char *real_key = "tests/data/chinapnr-test-pubkeyS.hex";
	struct rule_env env, patterned;
	regex_t ord_re, usr_re;
	struct signer sg;
	struct timespec t0;
	char err[256];
	size_t njobs = 0;
	int opt, status;

	cmds_init();
	cfg.mer_cust_id = default_mer_cust_id;
	o.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	while ((opt = getopt_long(argc, argv, "n:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': parse_count(optarg, &o); break;
		case 'j': o.jobs = (int)number(optarg, "-j", 1); break;
		case 's': o.seed = (unsigned long long)number(optarg, "--seed", 0); break;
		case 'o': o.only = optarg; break;
		case 'O': ord_pattern = optarg; break;
		case 'U': usr_pattern = optarg; break;
		case 'e': o.examples = (int)number(optarg, "--examples", 0); break;
		case 'm': o.max_cuttings = number(optarg, "--max-cuttings", 1); break;
		case 'E': o.echo_posts = number(optarg, "--echo-posts", 0); break;
		case 't': today = optarg; break;
		case 'd': cfg.order_days = optarg; break;
		case 'M': cfg.mer_cust_id = optarg; break;
		case 'k': real_key = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* the handler's own settings: today in China, the OrdDate window */
	if (rule_env_init(&cfg, &env, err, sizeof err))
		fatal(err, NULL);
	if (today)
		env.today = parse_day(today);
	patterned = env;
	patterned.ord_id_pattern = compile(ord_pattern, &ord_re);
	patterned.usr_id_pattern = compile(usr_pattern, &usr_re);
	for (size_t i = 0; i < NCMDS; i++) {
		if (o.only && strcmp(o.only, cmds[i].name) != 0)
			continue;
		jobs[njobs] = (struct job){ .cmd = &cmds[i], .env = &env, .count = o.count[i] };
		snprintf(jobs[njobs++].label, sizeof jobs[0].label, "%s", cmds[i].name);
		if (!ord_pattern && !usr_pattern)
			continue;
		jobs[njobs] = (struct job){ .cmd = &cmds[i], .env = &patterned, .count = o.count[i] };
		snprintf(jobs[njobs++].label, sizeof jobs[0].label, "%s with%s%s%s%s", cmds[i].name,
			 ord_pattern ? " ORD_ID_PATTERN=" : "", ord_pattern ? ord_pattern : "",
			 usr_pattern ? " USR_ID_PATTERN=" : "", usr_pattern ? usr_pattern : "");
	}
	if (o.only && njobs == 0)
		fatal("--only names no CmdId recut knows", o.only);
	signer_init(&sg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = run_jobs(jobs, njobs, &sg, &o);
	if (!run_reals(&env, real_key, &o) && status == 0)
		status = 1;
	printf("recut: %s in %.1f s (seed %llu, -j %d)\n", status ? "FAILED" : "ok",
	       since(&t0), o.seed, o.jobs);
	signer_free(&sg);
	if (ord_pattern)
		regfree(&ord_re);
	if (usr_pattern)
		regfree(&usr_re);
	return status;
}
