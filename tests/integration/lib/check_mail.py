#!/usr/bin/python3
"""Check a verification message as a mail reader would see it.

check_mail.py FILE --to ADDR --link URL [--message-id ID] [--name NAME]
Parses FILE (RFC 5322; CRLF or LF line ends), checks the headers the
signup mail must carry and that the decoded body holds the link. Prints
what is wrong and exits 1, or exits 0 silently.
"""
import argparse
import email
import email.policy
import email.utils
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--to", required=True)
    ap.add_argument("--link", required=True)
    ap.add_argument("--message-id")
    ap.add_argument("--name")
    a = ap.parse_args()
    with open(a.file, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    errs = []
    for h in ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
              "Content-Type"):
        if msg[h] is None:
            errs.append("missing header %s" % h)
    if msg["Date"] is not None:
        try:
            email.utils.parsedate_to_datetime(str(msg["Date"]))
        except (TypeError, ValueError):
            errs.append("Date does not parse: %r" % str(msg["Date"]))
    to = msg["To"]
    if to is not None:
        addrs = to.addresses
        if len(addrs) != 1 or addrs[0].addr_spec != a.to:
            errs.append("To is %r, want %s" % (str(to), a.to))
        elif a.name is not None and addrs[0].display_name != a.name:
            errs.append("To display name is %r, want %r"
                        % (addrs[0].display_name, a.name))
    if msg["From"] is not None and len(msg["From"].addresses) != 1:
        errs.append("From is %r" % str(msg["From"]))
    if msg["MIME-Version"] is not None and str(msg["MIME-Version"]) != "1.0":
        errs.append("MIME-Version is %r" % str(msg["MIME-Version"]))
    if msg.get_content_type() != "text/plain" or \
            (msg.get_content_charset() or "").lower() != "utf-8":
        errs.append("Content-Type is %r" % str(msg["Content-Type"]))
    mid = str(msg["Message-ID"] or "")
    if not (mid.startswith("<") and mid.endswith(">") and "@" in mid):
        errs.append("Message-ID %r is not <id@domain>" % mid)
    elif a.message_id is not None and mid != "<%s>" % a.message_id:
        errs.append("Message-ID %r, the function returned %r"
                    % (mid, a.message_id))
    body = msg.get_content()
    if a.link not in body.split():
        errs.append("the body does not hold the link %s:\n%s" % (a.link, body))
    if a.name is not None and a.name not in body:
        errs.append("the body does not greet %r" % a.name)
    if errs:
        print("\n".join(errs))
        sys.exit(1)


if __name__ == "__main__":
    main()
