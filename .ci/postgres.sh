#!/usr/bin/env bash
# Start a local PostgreSQL for the ledger tests and export its URL.
#
# Usage:  source .ci/postgres.sh     (exports CHIPCLEAR_TEST_POSTGRES_URL)
#    or:  .ci/postgres.sh            (prints the export line)
#
# Installs Debian's postgresql package if missing, starts the Debian cluster (pg_ctlcluster, run as root is fine:
# the server itself runs as the postgres user), and creates a login role and database for the tests. The role
# may create databases: the tests give every test its own throw-away database.
# Override with CHIPCLEAR_PG_USER / CHIPCLEAR_PG_PASSWORD / CHIPCLEAR_PG_DB / CHIPCLEAR_PG_PORT.

_cc_pg_main() {
    local user="${CHIPCLEAR_PG_USER:-chipclear}"
    local password="${CHIPCLEAR_PG_PASSWORD:-chipclear}"
    local db="${CHIPCLEAR_PG_DB:-chipclear_test}"
    local port="${CHIPCLEAR_PG_PORT:-5432}"
    local sudo_pg="runuser -u postgres --"
    if [ "$(id -u)" != "0" ]; then sudo_pg="sudo -u postgres"; fi

    if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
        echo "postgres.sh: installing postgresql from Debian packages" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || return 1
    fi

    local version
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${version} main$"; then
        pg_createcluster "$version" main --port "$port" >&2 || return 1
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
        pg_ctlcluster "$version" main start >&2 || return 1
    fi
    port="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"

    local i
    for i in $(seq 1 30); do
        if $sudo_pg psql -p "$port" -tAc "select 1" >/dev/null 2>&1; then break; fi
        sleep 1
    done
    if ! $sudo_pg psql -p "$port" -tAc "select 1 from pg_roles where rolname='${user}'" | grep -q 1; then
        $sudo_pg psql -q -p "$port" -c "create role ${user} login createdb password '${password}'" >&2 || return 1
    fi
    if ! $sudo_pg psql -p "$port" -tAc "select 1 from pg_database where datname='${db}'" | grep -q 1; then
        $sudo_pg psql -q -p "$port" -c "create database ${db} owner ${user}" >&2 || return 1
    fi
    CHIPCLEAR_TEST_POSTGRES_URL="postgresql+psycopg://${user}:${password}@127.0.0.1:${port}/${db}"
    export CHIPCLEAR_TEST_POSTGRES_URL
    echo "export CHIPCLEAR_TEST_POSTGRES_URL=${CHIPCLEAR_TEST_POSTGRES_URL}"
}

_cc_pg_main
