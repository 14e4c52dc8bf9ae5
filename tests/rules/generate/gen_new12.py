from lib import *

# exec.byte-order-mark: an entrypoint saved as "UTF-8 with BOM"
def bom_exec(magic):
    ev = {"path": "/entrypoint.sh", "exists": True, "file_type": "file", "mode": 0o755, "uid": 0, "gid": 0,
          "size": 64, "magic": magic, "process_uid": 0, "notes": []}
    t = T(["/entrypoint.sh"]); t.execve("/entrypoint.sh", ["/entrypoint.sh"], errno="ENOEXEC", evidence=ev)
    t.write(2, "exec /entrypoint.sh: exec format error\n"); t.exit(1); return t.end(1)
fixture("exec.byte-order-mark", "exec-format", ["/entrypoint.sh", "byte-order mark"],
        bom_exec("utf8-bom"),
        # A script whose first line is a comment: no mark to blame.
        bom_exec("text"))
