# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one home for keeping secrets out of what the collection returns.

Every module, action, filter and role that shows a value (results, messages, warnings, diffs)
masks it through these functions:

``MASK``
    what a hidden value is shown as (``********``).
``is_secret_name(name)``
    whether a parameter or field name says it holds a secret: ``pass``, ``pw``, ``pin``, ``secret``,
    ``key``, ``token``, ``auth``, ``communit``, ``accesscode``, ``credential`` or ``psk`` anywhere in
    it, case-insensitive, once the few ``ORDINARY_WORDS`` (``keypad``, ``ping``...) are taken out;
    used for names a schema does not know. A schema's own secret flag always wins for names it knows
    (``security.strict_password``, a boolean, or the users field ``authuser`` stay visible).
``is_secret_path(path)``
    the same for every segment of a path the schema does not know (``sip.auth.realm2``).
``mask_url(value)`` / ``url_secret(value)``
    the URL with its ``user:password@`` password masked / that password (or None). Both are lenient:
    they find the password in a URL that is otherwise invalid, since that is when it gets quoted in
    an error message.
``fingerprint(label, field, text)``
    eight hex digits that change when a secret changes and cannot be turned back into it: an HMAC
    under a key made new in every process and never stored, covering where the secret is (label,
    field) so that two users sharing a password do not share a fingerprint.
``scrub(text, secrets)``
    like Ansible's ``no_log``: every known secret value in ``text`` replaced by the mask (one shorter
    than 8 characters only where it stands alone, one shorter than 3 not at all), and the password
    of every URL in it masked. ``scrub_result(result, secrets)`` does that to the
    ``msg``, ``errors`` and ``warnings`` of a result dict.

Pure stdlib, Python 3.8 syntax: it runs on targets too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

MASK = "********"

# Marks that say a name holds a secret wherever they appear in it, case-insensitive: ``adminpass``,
# ``pw``, ``pincode``, ``bindpass``, ``sip_pass``, ``apikey``, ``auth_token``, ``trapcommunity``...
_SECRET_MARKS = re.compile(r"pass|pw|pin|secret|key|token|auth|communit|access_?code|credential|psk", re.I)
# Ordinary words that hold a mark by accident; they are taken out of a name before it is searched, so
# ``keypad`` and ``ping_interval`` are not secret, but ``keypad_pin`` still is. The list stays short on
# purpose: a false positive only masks a value in output (and vaults it in adopt), a miss leaks it.
ORDINARY_WORDS = ("keypad", "keyboard", "monkey", "ping")


def is_secret_name(name):
    """Whether ``name`` (the last segment of a path, or a whole dotted path) says it holds a secret."""
    text = str(name).lower().rsplit(".", 1)[-1]
    for word in ORDINARY_WORDS:
        text = text.replace(word, " ")
    return _SECRET_MARKS.search(text) is not None


def is_secret_path(path):
    """Whether any segment of a path (dotted text or a list of segments) says it holds a secret: an
    element under ``<apikey>`` or ``<auth>`` is as secret as one named so. For paths a schema does not know."""
    segments = path.split(".") if isinstance(path, str) else list(path)
    return any(is_secret_name(segment) for segment in segments)


# proto://user:password@ : the password runs to the last '@' before the host (lenient on purpose).
_URL_CREDENTIALS = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^:@/\s]*:)(.*)(@[^@]*)$", re.S)
# The same inside free text: a password stops at white space or a quote there.
_TEXT_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^:@/\s'\"]*:)([^@\s'\"]+)(@)")


def url_secret(value):
    """The password of ``proto://user:password@host...``, or None."""
    match = _URL_CREDENTIALS.match(value) if isinstance(value, str) else None
    if not match or not match.group(2):
        return None
    return match.group(2)


def mask_url(value, mark=MASK):
    """``value`` with the password of ``proto://user:password@`` replaced by ``mark``."""
    if not isinstance(value, str):
        return value
    match = _URL_CREDENTIALS.match(value)
    if not match or not match.group(2):
        return value
    return match.group(1) + mark + match.group(3)


# A key for fingerprints, new in every process and never stored.
_RUN_KEY = os.urandom(16)


def fingerprint(label, field, text):
    """Eight hex digits identifying ``text`` as the secret ``field`` of ``label`` within this run."""
    message = "\0".join((str(label), str(field), str(text))).encode("utf-8", "surrogatepass")
    return hmac.new(_RUN_KEY, message, hashlib.sha256).hexdigest()[:8]


def masked_with_fingerprint(label, field, text):
    """``********(1a2b3c4d)``: what a diff shows for a secret, so a changed secret shows as a change."""
    return "%s(%s)" % (MASK, fingerprint(label, field, text))


# Shorter values are masked where they are a value, but not hunted in free text: a secret '1'
# would otherwise turn 'users[1]' into 'users[********]'. Values shorter than WHOLE_WORD_LENGTH
# (4-digit PINs, access codes) are replaced only where they stand alone, not inside a longer word
# or number: an access code '000' must not turn IPEI '00077 0000002' into '********77 ...'.
MIN_SCRUB_LENGTH = 3
WHOLE_WORD_LENGTH = 8


def scrub(text, secrets=()):
    """``text`` with every known secret value replaced by the mask and every URL password masked."""
    if not isinstance(text, str):
        return text
    for secret in sorted({str(s) for s in secrets if s is not None}, key=len, reverse=True):
        if len(secret) < MIN_SCRUB_LENGTH or secret == MASK or secret not in text:
            continue
        if len(secret) >= WHOLE_WORD_LENGTH:
            text = text.replace(secret, MASK)
        else:
            text = re.sub(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % re.escape(secret), MASK, text)
    return _TEXT_URL_CREDENTIALS.sub(_mask_credentials, text)


def _mask_credentials(match):
    if match.group(2).startswith(MASK):  # masked already, perhaps with its fingerprint: keep that
        return match.group(0)
    return match.group(1) + MASK + match.group(3)


SCRUBBED_KEYS = ("msg", "errors", "warnings", "deprecations", "stderr", "stdout")


def scrub_result(result, secrets=()):
    """Scrub the messages of a result dict in place (``msg``, ``errors``, ``warnings``...); returns it."""
    for key in SCRUBBED_KEYS:
        value = result.get(key)
        if isinstance(value, str):
            result[key] = scrub(value, secrets)
        elif isinstance(value, list):
            result[key] = [scrub(item, secrets) if isinstance(item, str) else item for item in value]
    return result


def secret_values(value):
    """The texts a secret value may appear as in output: itself, and each item of a list."""
    if value in (None, "") or isinstance(value, dict):
        return set()
    if isinstance(value, (list, tuple)):
        found = set()
        for item in value:
            found |= secret_values(item)
        return found
    if isinstance(value, bool):
        return set()
    return {str(value).strip(), str(value)} - {""}
