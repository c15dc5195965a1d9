#!/bin/sh
# Writes random passwords into deploy/secrets/ (mode 0600), once: an existing file is kept.
# Source credentials are the operator's to add to secrets/icjs.env (see docs/deploy.md).
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
[ -f secrets/postgres_password ] || random > secrets/postgres_password
if [ ! -f secrets/opensearch.env ]; then
  # the security plugin wants upper, lower, digit and symbol
  echo "OPENSEARCH_INITIAL_ADMIN_PASSWORD=Aa1!$(random)" > secrets/opensearch.env
fi
if [ ! -f secrets/icjs.env ]; then
  {
    echo "# the API's and the sync's credentials; one KEY=value per line"
    echo "ICJS_SEARCH__PASSWORD=$(random)"
    echo "# ICJS_SOURCES__CCTNS__API_KEY=..."
    echo "# ICJS_SOURCES__EPRISONS__CLIENT_SECRET=..."
    echo "# ICJS_SOURCES__NCRP__CLIENT_SECRET=..."
    echo "# ICJS_SOURCES__ALIS__PASSWORD=..."
  } > secrets/icjs.env
fi
echo "secrets in $(pwd)/secrets (keep them out of version control and backups in the clear)"
