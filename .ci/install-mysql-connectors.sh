#!/usr/bin/env bash
# Debian packages behind the MySQL connector matrix (test/mysql-connectors.test.ts): PyMySQL,
# mysqlclient (MySQLdb) and MariaDB Connector/J with a JDK to run it. Idempotent: when every
# package is already installed apt is not touched at all.
set -euo pipefail

wanted=(
  python3-pymysql
  python3-mysqldb
  default-jdk-headless
  libmariadb-java
)

absent=()
for pkg in "${wanted[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || absent+=("$pkg")
done

[ "${#absent[@]}" -eq 0 ] && exit 0

echo "install-mysql-connectors: installing ${absent[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg lock another install holds instead of failing at once.
lock=(-o DPkg::Lock::Timeout=600)
apt-get "${lock[@]}" update -qq
apt-get "${lock[@]}" install -y -qq --no-install-recommends "${absent[@]}" >/dev/null
