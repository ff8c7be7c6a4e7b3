"""`jiayi nlu ...`: the understanding commands used by people and by evaluation tools."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    nlu = sub.add_parser("nlu", help="understanding: parse, evaluate, train")
    nsub = nlu.add_subparsers(dest="nlu_command", required=True)
    groups["nlu"] = nsub
    parse = nsub.add_parser("parse", help="JSON lines in (text, optional now), parses out")
    parse.add_argument("--now", help="ISO-8601 reference time for lines without their own")
    parse.set_defaults(handler=cmd_parse)
    evaluate = nsub.add_parser("evaluate", help="scores on the frozen evaluation sets, each on its own")
    evaluate.add_argument("--set", action="append", choices=("team", "dev_a", "dev_b", "dev_e", "dev_g", "dev_i", "dev_j", "dev_k", "dev_l", "dev_m", "dev_n", "dev_o", "dev_p", "dev_q", "dev_t", "dev_r", "dev_s", "dev_v", "dev_y", "dev_z", "blind_c", "blind_d", "blind_f", "blind_h", "blind_u", "blind_w", "blind_x"),
                          help="a set to score (repeatable; default all)")  # fmt: skip
    evaluate.add_argument("--file", default=None, help="score this JSON-lines file instead")
    evaluate.add_argument("--min-intent-accuracy", type=float, default=None)
    evaluate.add_argument("--min-service-accuracy", type=float, default=None)
    evaluate.add_argument("--min-emergency-recall", type=float, default=None,
                          help="emergencies met with the 120 guidance (emergency or possible_emergency)")  # fmt: skip
    evaluate.add_argument("--max-hard-false-alarm-rate", type=float, default=None)
    evaluate.add_argument("--misses", default=None, help="write the misses of non-blind sets into this folder")
    evaluate.add_argument("--rasa-url", default=None)
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(handler=cmd_evaluate)
    development = nsub.add_parser("export-development", help="write the development sets as training examples")
    development.set_defaults(handler=cmd_export_development)
    export = nsub.add_parser("export-vocabulary", help="write the Rasa synonyms and lookups from the catalog")
    export.set_defaults(handler=cmd_export_vocabulary)
    nsub.add_parser("rasa-setup", help="create the Rasa virtualenv (cached)").set_defaults(handler=cmd_rasa_setup)
    train = nsub.add_parser("train", help="train the embedded model or Rasa")
    train.add_argument("--backend", choices=("embedded", "rasa"), default="embedded")
    train.set_defaults(handler=cmd_train)
    serve = nsub.add_parser("serve", help="serve the trained Rasa model over HTTP")
    serve.add_argument("--port", type=int, default=5005)
    serve.set_defaults(handler=cmd_serve)
    ci = nsub.add_parser("ci-rasa", help="set up, train and serve Rasa, then evaluate it against the thresholds")
    ci.add_argument("--min-intent-accuracy", type=float, default=0.95)
    ci.add_argument("--min-emergency-recall", type=float, default=1.0)
    ci.set_defaults(handler=cmd_ci_rasa)


def _reference(value: str | None, settings) -> datetime:  # type: ignore[no-untyped-def]
    if value:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)
    return datetime.now(settings.tz)


def cmd_parse(args: argparse.Namespace) -> int:
    import asyncio

    from actions.config import load_settings
    from nlu.factory import build_interpreter

    settings = load_settings()
    interpreter = build_interpreter(settings)
    default_now = _reference(args.now, settings)

    async def run() -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                text = str(request["text"])
                now = _reference(request["now"], settings) if request.get("now") else default_now
                out = (await interpreter.parse(text, now=now)).to_contract()
            except (ValueError, KeyError, TypeError) as exc:
                out = {"error": f"bad input line: {exc.__class__.__name__}", "line": line.rstrip("\n")[:200]}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    asyncio.run(run())
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from nlu.evaluate import main as evaluate_main

    return evaluate_main(args)


def cmd_export_development(args: argparse.Namespace) -> int:
    from nlu.rasa_project import export_development

    print(export_development())
    return 0


def cmd_export_vocabulary(args: argparse.Namespace) -> int:
    from nlu.rasa_project import export_vocabulary

    print(export_vocabulary())
    return 0


def cmd_rasa_setup(args: argparse.Namespace) -> int:
    from nlu.rasa_service import setup

    print(setup())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.backend == "rasa":
        from nlu.rasa_service import train

        print(train())
        return 0
    from actions.config import load_settings
    from nlu.embedded import EmbeddedInterpreter

    interpreter = EmbeddedInterpreter(load_settings().effective_nlu_cache_dir)
    interpreter.load_or_train()
    print(interpreter.model_path())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from nlu.rasa_service import serve

    process = serve(args.port)
    print(f"rasa serving on http://127.0.0.1:{args.port} (pid {process.pid})")
    return process.wait()


def cmd_ci_rasa(args: argparse.Namespace) -> int:
    import time

    from nlu.rasa_service import free_port, serve, setup, train, wait_ready

    started = time.monotonic()
    setup()
    print(f"rasa ready to train after {time.monotonic() - started:.0f}s")
    train()
    print(f"rasa trained after {time.monotonic() - started:.0f}s")
    port = free_port()
    process = serve(port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        print(f"rasa serving after {time.monotonic() - started:.0f}s")
        evaluate = argparse.Namespace(
            file=None, set=None, rasa_url=url, json=False, misses=None, min_service_accuracy=None,
            max_hard_false_alarm_rate=None, min_intent_accuracy=args.min_intent_accuracy,
            min_emergency_recall=args.min_emergency_recall,
        )  # fmt: skip
        return cmd_evaluate(evaluate)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except Exception:
            process.kill()
