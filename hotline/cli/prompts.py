"""`hotline prompts build`: the IVR prompts as 8 kHz audio Asterisk plays."""

from __future__ import annotations

import click

from hotline.cli.common import UserError, pass_settings, progress
from hotline.settings import Settings
from ivr_prompts.build import BUILT, REMOVED, PromptError, PromptResult, build_prompts


@click.group()
def prompts() -> None:
    """IVR prompts (texts in ivr_prompts/texts, recorded overrides in ivr_prompts/recorded)."""


@prompts.command("build")
@click.option("--force", is_flag=True, help="Rebuild every prompt, even the unchanged ones.")
@pass_settings
def build(settings: Settings, force: bool) -> None:
    """Synthesize (espeak-ng) or convert (recorded) every prompt to .wav + .ulaw; skip unchanged ones."""

    def show(result: PromptResult) -> None:
        progress(result.line())

    try:
        results = build_prompts(settings, force=force, progress=show)
    except PromptError as exc:
        raise UserError(str(exc)) from exc
    counts = {s: sum(r.status == s for r in results) for s in (BUILT, REMOVED)}
    click.echo(
        f"prompts: {counts[BUILT]} built, {len(results) - sum(counts.values())} unchanged, "
        f"{counts[REMOVED]} removed in {settings.sounds_dir}"
    )
