"""One ape process that runs `ape` commands read from stdin: a JSON list of arguments per line,
answered by one JSON line {"returncode", "stdout", "stderr"} on stdout.

A subprocess of `deploy_cli_helpers.ApeSession`: a test that runs several operator scripts pays
ape's start-up (plugins, project, every import) once. Each command goes through ape's own CLI
entry point (`ape._cli.cli`, the `ape` executable's), so click parses the same arguments and the
script connects its own provider as under `ape run`."""

import contextlib
import io
import json
import sys
import traceback

import click


def _run(cli, args: list[str]) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            cli.main(args=args, prog_name="ape", standalone_mode=False)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
        except click.ClickException as err:
            err.show()
            code = err.exit_code
        except click.exceptions.Abort:
            code = 1
        except Exception:  # noqa: BLE001 - reported to the test as a failed command
            traceback.print_exc()
            code = 1
    return code, stdout.getvalue(), stderr.getvalue()


def main() -> None:
    from ape._cli import cli

    answer = sys.stdout
    for line in sys.stdin:
        code, out, err = _run(cli, json.loads(line))
        answer.write(json.dumps({"returncode": code, "stdout": out, "stderr": err}) + "\n")
        answer.flush()


if __name__ == "__main__":
    main()
