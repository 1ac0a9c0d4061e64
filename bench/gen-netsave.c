/* gen-netsave: N distinct NetSave callbacks (or, with "cash", Cash
 * withdrawals), signed as the bank signs them (RSA PKCS#1 v1.5 over SHA-1
 * of the signed fields glued together), one urlencoded body per line.
 * tests/sign-callback does the same one body at a time; a benchmark
 * needs thousands.
 *
 *   gen-netsave KEY.pem MERCUSTID COUNT [forged|cash]
 *
 * "forged" flips one hex digit of each ChkValue.  A withdrawal's OrdId is
 * 20 digits, as BANK_CALLBACK_ORD_ID_PATTERN=[0-9]{20} says. */
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	FILE *f;
	EVP_PKEY *key;
	long count;
	char date[16];
	int forged = argc > 4 && strcmp(argv[4], "forged") == 0;
	int cash = argc > 4 && strcmp(argv[4], "cash") == 0;

	if (argc < 4 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: gen-netsave KEY.pem MERCUSTID COUNT [forged|cash]\n");
		return 2;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	count = strtol(argv[3], NULL, 10);
	if (!key || count <= 0)
		return 2;
	{
		/* OrdDate must be within days of arrival: today, China time. */
		time_t now = time(NULL) + (time_t)8 * 3600;

		strftime(date, sizeof date, "%Y%m%d", gmtime(&now));
	}
	for (long i = 0; i < count; i++) {
		char ord[48], trx[32], msg[512];
		unsigned char sig[512];
		size_t siglen = sizeof sig;
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		const char *ret = cash ? "http://m.example.com/bank/CashCallback"
				       : "http://m.example.com/bank/NetSaveCallback";
		const char *bg = cash ? "http://m.example.com/bank/cash"
				      : "http://m.example.com/bank/netsave";

		if (cash)
			snprintf(ord, sizeof ord, "%.8s%012ld", date, i % 1000000000000L);
		else
			snprintf(ord, sizeof ord, "B%015ld", i);
		snprintf(trx, sizeof trx, "%018ld", 201611190000000000L + i);
		if (cash)
			snprintf(msg, sizeof msg, "Cash000%s%s6000060000123456100.00"
				 "6229081234567890CIB2.006000060000123456MDT000001MDT000001%s%s",
				 argv[2], ord, ret, bg);
		else
			snprintf(msg, sizeof msg, "NetSave000%s6000060000123456%s%s100.00%s%s%s",
				 argv[2], ord, date, trx, ret, bg);
		if (!md || EVP_DigestSignInit(md, NULL, EVP_sha1(), NULL, key) <= 0 ||
		    EVP_DigestSign(md, sig, &siglen, (unsigned char *)msg, strlen(msg)) <= 0)
			return 1;
		EVP_MD_CTX_free(md);
		if (cash)
			printf("CmdId=Cash&RespCode=000&RespDesc=success&MerCustId=%s&OrdId=%s"
			       "&UsrCustId=6000060000123456&TransAmt=100.00&OpenAcctId=6229081234567890"
			       "&OpenBankId=CIB&FeeAmt=2.00&FeeCustId=6000060000123456&FeeAcctId=MDT000001"
			       "&ServFee=&ServFeeAcctId=MDT000001"
			       "&RetUrl=http%%3A%%2F%%2Fm.example.com%%2Fbank%%2FCashCallback"
			       "&BgRetUrl=http%%3A%%2F%%2Fm.example.com%%2Fbank%%2Fcash&MerPriv="
			       "&RespExt=&ChkValue=", argv[2], ord);
		else
			printf("CmdId=NetSave&RespCode=000&RespDesc=success&MerCustId=%s"
			       "&UsrCustId=6000060000123456&OrdId=%s&OrdDate=%s&TransAmt=100.00"
			       "&TrxId=%s&RetUrl=http%%3A%%2F%%2Fm.example.com%%2Fbank%%2FNetSaveCallback"
			       "&BgRetUrl=http%%3A%%2F%%2Fm.example.com%%2Fbank%%2Fnetsave&MerPriv="
			       "&GateBusiId=B2C&GateBankId=ICBC&FeeAmt=0.00&ChkValue=",
			       argv[2], ord, date, trx);
		for (size_t k = 0; k < siglen; k++)
			printf("%02X", k == 0 && forged ? sig[k] ^ 1 : sig[k]);
		putchar('\n');
	}
	EVP_PKEY_free(key);
	return 0;
}
