from lib import *

# app.env-missing: a start script under `set -u` meets a variable nobody passed
fixture("app.env-missing", "app-error", ["DATABASE_URL"],
        failing(["/entrypoint.sh"], "/entrypoint.sh: line 4: DATABASE_URL: unbound variable\n"),
        # A script's own variable (lower case) is a bug in the script, not a missing setting.
        failing(["/entrypoint.sh"], "/entrypoint.sh: line 9: count: unbound variable\n"))

# app.python-env-missing: the KeyError comes from os.environ
TRACEBACK = ('Traceback (most recent call last):\n  File "/app/main.py", line 3, in <module>\n'
             '    url = os.environ["DATABASE_URL"]\n          ~~~~~~~~~~^^^^^^^^^^^^^^^^\n'
             '  File "<frozen os>", line 679, in __getitem__\n')
fixture("app.python-env-missing", "app-error", ["DATABASE_URL"],
        failing(["python3", "/app/main.py"], TRACEBACK + "KeyError: 'DATABASE_URL'\n"),
        # A KeyError from a dict of the program's own.
        failing(["python3", "/app/main.py"],
                'Traceback (most recent call last):\n  File "/app/main.py", line 3, in <module>\n'
                '    port = settings["PORT"]\nKeyError: \'PORT\'\n'))

# app.refuses-root: PostgreSQL started as root
fixture("app.refuses-root", "app-error", ["refuses to run as root", "PostgreSQL"],
        failing(["postgres", "-D", "/var/lib/postgresql/data"],
                '"root" execution of the PostgreSQL server is not permitted.\n'
                "The server must be started under an unprivileged user ID to prevent\n"
                "possible system security compromise.  See the documentation for\n"
                "more information on how to properly start the server.\n"),
        # Composer warns about root and goes on; what stops it is something else.
        failing(["composer", "install"],
                "Do not run Composer as root/super user! See https://getcomposer.org/root for details\n"
                "Your requirements could not be resolved to an installable set of packages.\n"))

# app.unsafe-permissions: PostgreSQL's data directory open to its group and others
def postgres(stderr):
    t = T(["postgres", "-D", "/var/lib/postgresql/data"]); t.start("/usr/lib/postgresql/15/bin/postgres", ["postgres", "-D", "/var/lib/postgresql/data"])
    t.stat("/var/lib/postgresql/data")
    t.write(2, stderr); t.exit(1); return t.end(1)
fixture("app.unsafe-permissions", "app-error", ["/var/lib/postgresql/data", "permissions"],
        postgres('2026-11-29 13:38:29.817 UTC [1] FATAL:  data directory "/var/lib/postgresql/data" has invalid permissions\n'
                 "2026-11-29 13:38:29.817 UTC [1] DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).\n"),
        # Another refusal of the data directory: it is not a PostgreSQL one yet.
        postgres('2026-11-29 13:38:29.817 UTC [1] FATAL:  "/var/lib/postgresql/data" is not a valid data directory\n'))
