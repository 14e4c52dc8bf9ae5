from lib import *

# app.java-main-class-missing: `java -cp app.jar App` from the wrong WORKDIR
fixture("app.java-main-class-missing", "app-error", ["`com.example.App`", "class path"],
        failing(["java", "-cp", "app.jar", "com.example.App"],
                "Error: Could not find or load main class com.example.App\n"
                "Caused by: java.lang.ClassNotFoundException: com.example.App\n"),
        # The class was found and failed on its own: an exception of the program.
        failing(["java", "-cp", "/app/app.jar", "com.example.App"],
                "Exception in thread \"main\" java.lang.IllegalStateException: no config\n"
                "\tat com.example.App.main(App.java:12)\n"))

# app.java-no-main-manifest: `COPY build/libs/*.jar` took the plain jar
fixture("app.java-no-main-manifest", "app-error", ["`/app/app.jar` names no main class"],
        failing(["java", "-jar", "/app/app.jar"], "no main manifest attribute, in /app/app.jar\n"),
        # The jar is missing altogether: another message, another cause.
        failing(["java", "-jar", "/app/app.jar"], "Error: Unable to access jarfile /app/app.jar\n"))

# exec.bundler-not-found: puma is in a gem group the image left out
fixture("exec.bundler-not-found", "missing-executable", ["`puma`", "bundle"],
        failing(["bundle", "exec", "puma"],
                "bundler: command not found: puma\nInstall missing gem executables with `bundle install`\n", code=127),
        # A gem of the bundle is missing: Bundler says so differently, before any command.
        failing(["bundle", "exec", "puma"],
                "Could not find puma-6.4.2 in locally installed gems\n"
                "Run `bundle install` to install missing gems.\n", code=7))

# app.bad-arguments: `docker run my-api --port 8080` for a program that takes --bind
fixture("app.bad-arguments", "app-error", ["refused its command line", "--port 8080"],
        failing(["python3", "-m", "api", "--port", "8080"],
                "usage: api [-h] [--bind BIND]\napi: error: unrecognized arguments: --port 8080\n", code=2),
        # The arguments were taken; the program failed on a setting of its own.
        failing(["python3", "-m", "api", "--bind", "0.0.0.0:8080"],
                "api: error: the database at DATABASE_URL refused the login\n", code=2))

# app.no-utf8-locale: a Ruby app reading a translation file with an umlaut, no LANG
fixture("app.no-utf8-locale", "app-error", ["no UTF-8 locale"],
        failing(["ruby", "/app/server.rb"],
                "/app/server.rb:3:in `read': invalid byte sequence in US-ASCII (ArgumentError)\n"),
        # Bytes that are no text in any locale: a binary file read as text.
        failing(["ruby", "/app/server.rb"],
                "/app/server.rb:3:in `read': invalid byte sequence in UTF-8 (ArgumentError)\n"))

# app.python-app-not-found: uvicorn started from /app while main.py is in /app/src
fixture("app.python-app-not-found", "app-error", ["could not load the application", "Could not import module \"main\""],
        failing(["uvicorn", "main:app"], 'ERROR:    Error loading ASGI app. Could not import module "main".\n'),
        # The application loaded and its own import failed: a missing package.
        failing(["uvicorn", "main:app"], "ModuleNotFoundError: No module named 'sqlalchemy'\n"))

# app.npm-script-missing: `npm start` from a WORKDIR whose package.json has no start script
fixture("app.npm-script-missing", "app-error", ["no script `start`"],
        failing(["npm", "start"], 'npm error Missing script: "start"\nnpm error\nnpm error To see a list of scripts, run:\nnpm error   npm run\n'),
        # The script ran and its command failed: the program's own error.
        failing(["npm", "start"], "npm error code 1\nnpm error command sh -c node dist/index.js\n"))

# app.bundle-gems-missing: the runtime stage lacks the installed bundle
fixture("app.bundle-gems-missing", "app-error", ["`puma-6.4.2`", "installed gems"],
        failing(["bundle", "exec", "puma"], "Could not find puma-6.4.2 in locally installed gems\nRun `bundle install` to install missing gems.\n", code=7),
        # The bundle is there and the command is not one of its gems: another cause.
        failing(["bundle", "exec", "puma"], "bundler: command not found: puma\nInstall missing gem executables with `bundle install`\n", code=127))
