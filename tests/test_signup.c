/* Suite "signup": the helpers the signup functions share (functions/signup.h):
 * the address check, the UTF-8 text check, random tokens and ids, and the
 * RFC 3339 clock. The functions themselves run for real in
 * tests/integration/signup_*.sh. */
#include <check.h>
#include <ctype.h>
#include <string.h>

#include "functions/signup.h"

static const char *const good_addresses[] = {
	"ada@example.org",
	"Ada.Lovelace@Example.ORG",
	"a@b.co",
	"first.last+tag@sub.domain.example.com",
	"x_y-z@a-b.example",
	"!#$%&'*+-/=?^_`{|}~@example.org",
	"user@xn--bcher-kva.example",
	"123@456.example",
	NULL,
};

/* Each with the start of the reason it must give. */
static const struct {
	const char *addr;
	const char *why;
} bad_addresses[] = {
	{ "", "is empty" },
	{ "plain", "has no '@'" },
	{ "a@@example.org", "has more than one '@'" },
	{ "a@b@example.org", "has more than one '@'" },
	{ "@example.org", "has an empty local part" },
	{ ".a@example.org", "has a misplaced '.'" },
	{ "a.@example.org", "has a misplaced '.'" },
	{ "a..b@example.org", "has a misplaced '.'" },
	{ "a b@example.org", "has a character not allowed in its l" },
	{ "\"quoted\"@example.org", "has a character not allowed in its l" },
	{ "a(comment)@example.org", "has a character not allowed in its l" },
	{ "z\xc3\xab" "e@example.org", "has a character not allowed in its l" },
	{ "a@", "has an empty domain label" },
	{ "a@.example.org", "has an empty domain label" },
	{ "a@example..org", "has an empty domain label" },
	{ "a@example.org.", "has an empty domain label" },
	{ "a@localhost", "has a domain without a '.'" },
	{ "a@[127.0.0.1]", "has a character not allowed in its domain" },
	{ "a@exa_mple.org", "has a character not allowed in its domain" },
	{ "a@-example.org", "has a domain label that starts or ends" },
	{ "a@example-.org", "has a domain label that starts or ends" },
	{ "a@1.2.3.4", "has a numeric top-level domain" },
	{ "a@example.123", "has a numeric top-level domain" },
	{ NULL, NULL },
};

START_TEST(test_signup_good_addresses)
{
	const char *why = NULL;
	int i;

	for (i = 0; good_addresses[i] != NULL; i++)
		ck_assert_msg(signup_check_email(good_addresses[i], &why) == 0,
		    "%s refused: %s", good_addresses[i], why);
}
END_TEST

START_TEST(test_signup_bad_addresses)
{
	const char *why;
	int i;

	for (i = 0; bad_addresses[i].addr != NULL; i++) {
		why = NULL;
		ck_assert_msg(signup_check_email(bad_addresses[i].addr,
		    &why) == -1, "%s accepted", bad_addresses[i].addr);
		ck_assert_msg(why != NULL && strncmp(why, bad_addresses[i].why,
		    strlen(bad_addresses[i].why)) == 0,
		    "%s: reason '%s', want '%s'", bad_addresses[i].addr,
		    why ? why : "(none)", bad_addresses[i].why);
	}
}
END_TEST

START_TEST(test_signup_address_lengths)
{
	char addr[400], label[70];
	const char *why;

	/* The local part: 64 is the most. */
	memset(addr, 'a', 64);
	strcpy(addr + 64, "@example.org");
	ck_assert_int_eq(signup_check_email(addr, &why), 0);
	memset(addr, 'a', 65);
	strcpy(addr + 65, "@example.org");
	ck_assert_int_eq(signup_check_email(addr, &why), -1);
	ck_assert_str_eq(why, "has a local part over 64 characters");

	/* A label: 63 is the most. */
	memset(label, 'b', 63);
	label[63] = '\0';
	snprintf(addr, sizeof(addr), "a@%s.org", label);
	ck_assert_int_eq(signup_check_email(addr, &why), 0);
	snprintf(addr, sizeof(addr), "a@%sb.org", label);
	ck_assert_int_eq(signup_check_email(addr, &why), -1);
	ck_assert_str_eq(why, "has a domain label over 63 characters");

	/* The whole address: 254 is the most. */
	snprintf(addr, sizeof(addr), "a@%s.%s.%s.%.56s.org", label, label,
	    label, label);
	ck_assert_uint_eq(strlen(addr), 254);
	ck_assert_int_eq(signup_check_email(addr, &why), 0);
	snprintf(addr, sizeof(addr), "a@%s.%s.%s.%.57s.org", label, label,
	    label, label);
	ck_assert_int_eq(signup_check_email(addr, &why), -1);
	ck_assert_str_eq(why, "is longer than 254 characters");
}
END_TEST

START_TEST(test_signup_text)
{
	/* ASCII, 2-, 3- and 4-byte sequences. */
	ck_assert(signup_is_text("Ada Lovelace", ""));
	ck_assert(signup_is_text("Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x98\x80", ""));
	ck_assert(signup_is_text("", ""));
	/* Controls, unless allowed. */
	ck_assert(!signup_is_text("a\tb", ""));
	ck_assert(signup_is_text("a\tb", "\t"));
	ck_assert(!signup_is_text("a\nb", ""));
	ck_assert(!signup_is_text("a\x7f", ""));
	ck_assert(!signup_is_text("a\xc2\x85", ""));   /* U+0085 (C1) */
	/* Malformed UTF-8. */
	ck_assert(!signup_is_text("\xc3", ""));          /* cut short */
	ck_assert(!signup_is_text("\xc3(", ""));         /* bad continuation */
	ck_assert(!signup_is_text("\xc0\xaf", ""));      /* overlong '/' */
	ck_assert(!signup_is_text("\xe0\x80\xaf", ""));  /* overlong */
	ck_assert(!signup_is_text("\xed\xa0\x80", ""));  /* surrogate */
	ck_assert(!signup_is_text("\xf4\x90\x80\x80", "")); /* > U+10FFFF */
	ck_assert(!signup_is_text("\xff", ""));
}
END_TEST

START_TEST(test_signup_tokens_and_ids)
{
	char a[65], b[65], u[SIGNUP_UUID_LEN + 1], v[SIGNUP_UUID_LEN + 1];
	int i;

	ck_assert_int_eq(signup_random_hex(a, 32), 0);
	ck_assert_int_eq(signup_random_hex(b, 32), 0);
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 64);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(signup_random_hex(a, 65), -1);

	ck_assert_int_eq(signup_uuid(u), 0);
	ck_assert_int_eq(signup_uuid(v), 0);
	ck_assert_str_ne(u, v);
	ck_assert_uint_eq(strlen(u), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(u[i], '-');
		else
			ck_assert(isxdigit((unsigned char)u[i]));
	}
	ck_assert_int_eq(u[14], '4');           /* version 4 */
	ck_assert(strchr("89ab", u[19]) != NULL); /* RFC 4122 variant */
}
END_TEST

START_TEST(test_signup_hex_and_uuid_of)
{
	unsigned char b[16], ones[16];
	char h[33], u[SIGNUP_UUID_LEN + 1];
	int i;

	for (i = 0; i < 16; i++)
		b[i] = (unsigned char)i;
	memset(ones, 0xff, sizeof(ones));
	signup_hex(h, (const unsigned char *)"\x00\x7f\xa5\xff", 4);
	ck_assert_str_eq(h, "007fa5ff");
	signup_hex(h, b, 0);
	ck_assert_str_eq(h, "");
	/* The version and variant bits are set, the rest kept. */
	signup_uuid_of(u, b);
	ck_assert_str_eq(u, "00010203-0405-4607-8809-0a0b0c0d0e0f");
	signup_uuid_of(u, ones);
	ck_assert_str_eq(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	ck_assert_int_eq(b[6], 6); /* the caller's bytes are left alone */
}
END_TEST

START_TEST(test_signup_uuid7_and_time_of)
{
	unsigned char b[16];
	char u[SIGNUP_UUID_LEN + 1], w[SIGNUP_UUID_LEN + 1];
	char t[SIGNUP_TIME_LEN + 1];
	int i;

	for (i = 0; i < 16; i++)
		b[i] = (unsigned char)(0xf0 | i);
	/* 2026-11-27T00:00:00.123Z: the 48-bit ms count leads, then the
	 * version, then the random bits with the variant set. */
	signup_uuid7_of(u, INT64_C(1795737600123), b);
	ck_assert_str_eq(u, "01a21a4d-407b-76f7-b8f9-fafbfcfdfeff");
	signup_rfc3339_of(t, INT64_C(1795737600123));
	ck_assert_str_eq(t, "2026-11-27T00:00:00.123Z");
	/* A later ms sorts after, whatever the random bits. */
	memset(b, 0, sizeof(b));
	signup_uuid7_of(w, INT64_C(1795737600124), b);
	ck_assert_int_gt(strcmp(w, u), 0);
	signup_rfc3339_of(t, 0);
	ck_assert_str_eq(t, "1970-01-01T00:00:00.000Z");
}
END_TEST

START_TEST(test_signup_rfc3339)
{
	char t[SIGNUP_TIME_LEN + 1];
	struct tm tm;
	const char *end;
	time_t now = time(NULL), then;

	signup_now_rfc3339(t);
	ck_assert_uint_eq(strlen(t), 24);
	ck_assert_int_eq(t[19], '.');
	ck_assert_int_eq(t[23], 'Z');
	memset(&tm, 0, sizeof(tm));
	end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_ptr_nonnull(end);
	ck_assert_ptr_eq(end, t + 19);
	then = timegm(&tm);
	ck_assert(then >= now - 5 && then <= now + 5);
}
END_TEST

Suite *
signup_suite(void)
{
	Suite *s = suite_create("signup");
	TCase *tc = tcase_create("helpers");

	tcase_add_test(tc, test_signup_good_addresses);
	tcase_add_test(tc, test_signup_bad_addresses);
	tcase_add_test(tc, test_signup_address_lengths);
	tcase_add_test(tc, test_signup_text);
	tcase_add_test(tc, test_signup_tokens_and_ids);
	tcase_add_test(tc, test_signup_hex_and_uuid_of);
	tcase_add_test(tc, test_signup_uuid7_and_time_of);
	tcase_add_test(tc, test_signup_rfc3339);
	suite_add_tcase(s, tc);
	return s;
}
