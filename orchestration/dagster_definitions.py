"""Dagster definitions: one job per shop group, each running
`meltano run tap-tiktokshop-group-<group> <loader>` in a Meltano project.

    pip install -e '.[orchestration]'
    dagster dev -f orchestration/dagster_definitions.py

Read once, when Dagster loads this module (defaults of every job's run config):

- ``TIKTOKSHOP_MELTANO_PROJECT``: the Meltano project directory (default: this repository).
- ``TIKTOKSHOP_SHOP_GROUPS``: the shop groups, comma-separated (default ``a,b``: the
  ``tap-tiktokshop-group-a`` and ``-b`` plugins of meltano.yml).
- ``TIKTOKSHOP_LOADER``: the loader (default ``target-postgres``).
- ``TIKTOKSHOP_SCHEDULE``: a cron schedule for every job (default hourly); the schedules
  start stopped, turn them on in the Dagster UI.

Everything else reaches `meltano run` through the environment of the Dagster code location,
as it would from a shell: ``MELTANO_DATABASE_URI`` (the shared system database that keeps each
group's state, whichever worker ran it last), the groups' shop IDs
(``TAP_TIKTOKSHOP_GROUP_A_SHOP_IDS``) and the secrets. Secrets never go into run config:
Dagster stores run config with every run.
"""

# No `from __future__ import annotations`: Dagster reads the op's config annotation at run
# time, and a string annotation of a class it cannot see from here is refused.
import os
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

from dagster import (
    AssetKey,
    AssetMaterialization,
    Config,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)
from pydantic import Field

REPOSITORY = Path(__file__).resolve().parents[1]
GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Lines of Meltano's output kept for the failure message of a failed run.
TAIL_LINES = 40


def _default_meltano() -> str:
    """The `meltano` next to this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("meltano")
    return str(beside) if beside.exists() else "meltano"


class MeltanoRunConfig(Config):
    """Run config of a group's job (editable per run in the Dagster launchpad)."""

    project_dir: str = Field(
        default=os.environ.get("TIKTOKSHOP_MELTANO_PROJECT", str(REPOSITORY)),
        description="The Meltano project directory (the one holding meltano.yml).")
    loader: str = Field(default=os.environ.get("TIKTOKSHOP_LOADER", "target-postgres"),
                        description="The loader plugin the group's records go to.")
    meltano: str = Field(default_factory=_default_meltano,
                         description="The meltano executable.")
    force: bool = Field(default=False, description=(
        "Pass --force: run even though Meltano still sees an earlier run of this job as "
        "running (after a worker was killed mid-run)."))


def shop_groups(value: str | None = None) -> list[str]:
    """The shop groups from ``TIKTOKSHOP_SHOP_GROUPS`` (or ``value``); one clear error
    naming the setting for a malformed name."""
    raw = value if value is not None else os.environ.get("TIKTOKSHOP_SHOP_GROUPS", "a,b")
    groups = [g.strip() for g in raw.split(",") if g.strip()]
    for group in groups:
        if not GROUP_NAME.match(group):
            raise ValueError(f"TIKTOKSHOP_SHOP_GROUPS: {group!r} is not a group name "
                             "(lowercase letters, digits and '-')")
    if not groups:
        raise ValueError("TIKTOKSHOP_SHOP_GROUPS: no group given")
    return groups


def meltano_run_command(group: str, config: MeltanoRunConfig) -> list[str]:
    """The `meltano run` command line of one group's job."""
    return [config.meltano, "run", *(["--force"] if config.force else []),
            f"tap-tiktokshop-group-{group}", config.loader]


def group_job(group: str) -> JobDefinition:
    """The job of one shop group: a single op running its `meltano run`."""
    slug = group.replace("-", "_")
    extractor = f"tap-tiktokshop-group-{group}"

    @op(name=f"meltano_run_group_{slug}", out={},
        description=f"meltano run {extractor} <loader>")
    def run_group(context: OpExecutionContext, config: MeltanoRunConfig):
        command = meltano_run_command(group, config)
        context.log.info(f"{' '.join(command[1:])} (in {config.project_dir})")
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        # Meltano's output goes to the Dagster log line by line as it comes. Meltano and the
        # plugins never print secrets; the environment they read them from stays here.
        with subprocess.Popen(command, cwd=config.project_dir,  # noqa: S603
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace") as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                tail.append(line.rstrip())
                context.log.info(tail[-1])
            code = proc.wait()
        if code != 0:
            raise Failure(description=f"meltano run {extractor} {config.loader} exited with "
                                      f"{code}",
                          metadata={"last lines": MetadataValue.text("\n".join(tail))})
        yield AssetMaterialization(
            asset_key=AssetKey(["tiktokshop", f"group_{slug}", config.loader.replace("-", "_")]),
            description=f"{extractor} loaded into {config.loader}",
            metadata={"command": " ".join(command[1:]), "project": config.project_dir})

    @job(name=f"tiktokshop_group_{slug}",
         description=f"Shop group {group}: meltano run {extractor} <loader>",
         tags={"tiktokshop/shop_group": group})
    def the_job() -> None:
        run_group()

    return the_job


def build_definitions(groups: list[str] | None = None) -> Definitions:
    """One job per shop group, each with a schedule (stopped until turned on)."""
    jobs = [group_job(group) for group in (groups or shop_groups())]
    cron = os.environ.get("TIKTOKSHOP_SCHEDULE", "0 * * * *")
    schedules = [ScheduleDefinition(job=j, cron_schedule=cron, name=f"{j.name}_schedule",
                                    default_status=DefaultScheduleStatus.STOPPED)
                 for j in jobs]
    return Definitions(jobs=jobs, schedules=schedules)


defs = build_definitions()
