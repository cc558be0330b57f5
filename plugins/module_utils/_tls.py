# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one TLS client policy of the collection (HTTPS fetches and SIP over TLS).

TLS 1.2 or later; the peer's certificate must chain to the system's CAs, or to ``ca_path``
(a PEM bundle file or a hashed CA directory), and name the host, unless ``validate_certs``
is false.
"""

from __future__ import annotations

import os
import ssl


class TlsConfigError(ValueError):
    """The CA certificates cannot be loaded; the message names ``ca_path`` and why."""


def client_context(ca_path=None, validate_certs=True):
    """An ``ssl.SSLContext`` for a client, per the policy above. Raises TlsConfigError."""
    try:
        if ca_path and os.path.isdir(ca_path):
            context = ssl.create_default_context(capath=ca_path)
        else:
            context = ssl.create_default_context(cafile=ca_path or None)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
        raise TlsConfigError("cannot load the CA certificates of ca_path '%s': %s" % (ca_path, reason))
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # Python < 3.10 would still allow TLS 1.0
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def tls_error_text(exc):
    """The short reason of an ssl.SSLError or OSError."""
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    return getattr(exc, "strerror", None) or str(exc)
