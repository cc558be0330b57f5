"""Stand-in for the pip bootstrap script ansible-test downloads into its sanity virtualenvs.

CI machines here reach PyPI but not the host serving that script, so pip comes from the
interpreter's bundled ``ensurepip`` and then installs the pip release ansible-test asked for.
`make sanity` copies this file into ansible-test's cache when the cache lacks the real one.
"""

import ensurepip
import os
import subprocess
import sys

# get-pip.py's own switches; plain `pip install` does not know them.
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")


# ansible-test runs pip with a scrubbed environment (no PIP_CERT), and the pip bundled with
# ensurepip does not pick the machine's CA bundle from pip.conf, so name it explicitly.
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def main():
    ensurepip.bootstrap(upgrade=True)
    wanted = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    cert = [["--cert", path] for path in CA_BUNDLES if os.path.exists(path)][:1]
    return subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + sum(cert, []) + wanted)


if __name__ == "__main__":
    sys.exit(main())
