"""`hotline prompts build`: real espeak-ng and sox into a temporary HOTLINE_HOME."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli.main import COMMANDS, cli
from hotline.settings import Settings, get_settings
from ivr_prompts import build as pb

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="needs espeak-ng and sox"
)


# The mechanics (skip, force, rebuild, override, removal) are tested on a few prompts: those every
# language starts with and those Asterisk's number saying needs (zh's digits/), as in the packaged texts.
FEW = {"welcome", "unavailable", "goodbye"}


def few_texts(folder: Path) -> Path:
    """The packaged texts cut down to the few prompts, written into `folder`."""
    folder.mkdir()
    for lang in pb.languages():
        keep = FEW | set(pb.SAY_FILES.get(lang, {}).values())
        lines = (pb.TEXTS_DIR / f"{lang}.yaml").read_text(encoding="utf-8").splitlines(True)
        kept = [line for line in lines if line.split(":", 1)[0] in keep]
        (folder / f"{lang}.yaml").write_text("".join(kept), encoding="utf-8")
    return folder


def home_settings(monkeypatch: pytest.MonkeyPatch, home: Path) -> Settings:
    monkeypatch.setenv("HOTLINE_HOME", str(home))
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    return get_settings()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    return home_settings(monkeypatch, tmp_path / "home")


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    """The few prompts' texts, in a copy a test may edit."""
    return few_texts(tmp_path / "texts")


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "recorded"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def few_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sounds directory one build of the few prompts leaves, built once for the module."""
    root = tmp_path_factory.mktemp("few-built")
    (root / "recorded").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        settings = home_settings(mp, root / "home")
    results = pb.build_prompts(settings, texts_dir=few_texts(root / "texts"), recorded_dir=root / "recorded")
    assert {r.status for r in results} == {pb.BUILT}
    return settings.sounds_dir


@pytest.fixture
def built(settings: Settings, texts: Path, recorded: Path, few_built: Path) -> dict[str, pb.PromptResult]:
    """The few prompts after a first build (few_built copied in: every prompt unchanged, so skipped)."""
    shutil.copytree(few_built, settings.sounds_dir)
    results = build(settings, texts, recorded)
    assert {r.status for r in results.values()} == {pb.SKIPPED}
    return results


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[pb.PromptResult], list[str]]:
    """One build of every packaged prompt into a new home: its settings, results and progress lines."""
    root = tmp_path_factory.mktemp("packaged")
    (root / "recorded").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        settings = home_settings(mp, root / "home")
    lines: list[str] = []
    results = pb.build_prompts(
        settings, progress=lambda r: lines.append(r.line()), recorded_dir=root / "recorded"
    )
    return settings, results, lines


def soxi(path: Path, flag: str) -> str:
    proc = subprocess.run(["sox", "--i", flag, str(path)], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def tone(path: Path, seconds: float, rate: int = 44100, channels: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["sox", "-n", "-r", str(rate), "-c", str(channels), str(path), "synth", str(seconds), "sine", "440"],
        check=True,
    )


def by_key(results: list[pb.PromptResult]) -> dict[str, pb.PromptResult]:
    return {f"{r.lang}/{r.name}": r for r in results}


def build(settings: Settings, texts: Path, recorded: Path, force: bool = False) -> dict[str, pb.PromptResult]:
    return by_key(pb.build_prompts(settings, force=force, texts_dir=texts, recorded_dir=recorded))


def test_every_packaged_prompt_becomes_8khz_mono_wav_and_ulaw(
    packaged: tuple[Settings, list[pb.PromptResult], list[str]],
) -> None:
    settings, results, lines = packaged
    assert {r.lang for r in results} == {"zh", "en"}
    assert len(lines) == len(results) == sum(len(pb.prompt_names(lang)) for lang in ("zh", "en"))
    for r in results:
        wav, ulaw = settings.sounds_dir / r.lang / "hotline" / f"{r.name}.wav", r.files[1]
        assert r.files[0] == wav and ulaw == wav.with_suffix(".ulaw")
        assert (r.status, r.source) == (pb.BUILT, pb.TTS)
        assert (soxi(wav, "-r"), soxi(wav, "-c"), soxi(wav, "-b"), soxi(wav, "-e")) == (
            "8000",
            "1",
            "16",
            "Signed Integer PCM",
        )
        duration = float(soxi(wav, "-D"))
        assert duration > 0.3 and r.duration_s == pytest.approx(duration)
        assert ulaw.stat().st_size == int(soxi(wav, "-s"))  # one byte per 8 kHz sample
        assert f"{r.lang}/{r.name} built (tts, {duration:.2f} s)" in lines


def test_both_languages_have_the_same_prompts() -> None:
    assert pb.languages() == ["en", "zh"]
    assert pb.prompt_names("zh") == pb.prompt_names("en")
    assert {"welcome", "unavailable", "goodbye"} <= set(pb.prompt_names("zh"))
    assert "家政服务热线" in pb.load_texts("zh")["welcome"]


def test_a_second_build_skips_every_prompt(settings: Settings, texts: Path, recorded: Path) -> None:
    first = build(settings, texts, recorded)
    assert {r.status for r in first.values()} == {pb.BUILT}
    stamps = {k: [f.stat().st_mtime_ns for f in r.files] for k, r in first.items()}

    second = build(settings, texts, recorded)

    assert {r.status for r in second.values()} == {pb.SKIPPED}
    assert {k: [f.stat().st_mtime_ns for f in r.files] for k, r in second.items()} == stamps
    assert all(second[k].duration_s == pytest.approx(first[k].duration_s) for k in first)


def test_force_rebuilds_every_prompt(
    settings: Settings, texts: Path, recorded: Path, built: dict[str, pb.PromptResult]
) -> None:
    assert {r.status for r in build(settings, texts, recorded, force=True).values()} == {pb.BUILT}


def test_a_changed_text_rebuilds_that_prompt_only(
    settings: Settings, texts: Path, recorded: Path, built: dict[str, pb.PromptResult]
) -> None:
    first = built
    en = texts / "en.yaml"
    en.write_text(
        en.read_text().replace(
            "Thank you for calling. Goodbye.", "Thank you for calling the hotline. Have a nice day. Goodbye."
        )
    )

    second = build(settings, texts, recorded)

    assert [k for k, r in second.items() if r.status == pb.BUILT] == ["en/goodbye"]
    assert second["en/goodbye"].duration_s > first["en/goodbye"].duration_s  # type: ignore[operator]


def test_a_deleted_output_file_is_rebuilt(
    settings: Settings, texts: Path, recorded: Path, built: dict[str, pb.PromptResult]
) -> None:
    first = built
    first["zh/goodbye"].files[1].unlink()

    second = build(settings, texts, recorded)

    assert [k for k, r in second.items() if r.status == pb.BUILT] == ["zh/goodbye"]
    assert first["zh/goodbye"].files[1].stat().st_size > 0


def test_a_recorded_file_overrides_the_voice(
    settings: Settings, texts: Path, recorded: Path, built: dict[str, pb.PromptResult]
) -> None:
    tone(recorded / "zh" / "welcome.flac", 2.5)  # 44.1 kHz stereo FLAC: converted like the voice

    results = build(settings, texts, recorded)

    welcome = results["zh/welcome"]
    assert (welcome.status, welcome.source) == (pb.BUILT, pb.RECORDED)
    assert welcome.duration_s == pytest.approx(2.5, abs=0.01)
    assert (soxi(welcome.files[0], "-r"), soxi(welcome.files[0], "-c")) == ("8000", "1")
    assert results["en/welcome"].source == pb.TTS
    assert [k for k, r in results.items() if r.status == pb.BUILT] == ["zh/welcome"]
    assert build(settings, texts, recorded)["zh/welcome"].status == pb.SKIPPED


def test_a_changed_or_removed_recording_is_rebuilt(settings: Settings, texts: Path, recorded: Path) -> None:
    source = recorded / "en" / "goodbye.wav"
    tone(source, 1.5)
    build(settings, texts, recorded)
    tone(source, 3.0)

    changed = build(settings, texts, recorded)["en/goodbye"]
    source.unlink()
    back = build(settings, texts, recorded)["en/goodbye"]

    assert (changed.status, changed.source, round(changed.duration_s or 0, 1)) == (pb.BUILT, pb.RECORDED, 3.0)
    assert (back.status, back.source) == (pb.BUILT, pb.TTS)


def test_a_dropped_prompt_loses_its_files(
    settings: Settings, texts: Path, recorded: Path, built: dict[str, pb.PromptResult]
) -> None:
    gone = built["en/unavailable"]
    en = texts / "en.yaml"
    kept = [line for line in en.read_text().splitlines(True) if not line.startswith("unavailable:")]
    en.write_text("".join(kept))

    results = build(settings, texts, recorded)

    assert results["en/unavailable"].status == pb.REMOVED
    assert not any(f.exists() for f in gone.files)
    assert results["zh/unavailable"].status == pb.SKIPPED


def test_a_bad_prompt_name_is_refused(texts: Path) -> None:
    (texts / "en.yaml").write_text("../etc/passwd: hello\n")
    with pytest.raises(pb.PromptError, match="not a prompt name"):
        pb.load_texts("en", texts)


def test_missing_sox_is_one_clear_sentence(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(pb.PromptError) as err:
        pb.build_prompts(settings)
    assert str(err.value) == f"sox is not installed; {pb.INSTALL_HINT}"


def test_cli_builds_then_skips(
    settings: Settings, packaged: tuple[Settings, list[pb.PromptResult], list[str]]
) -> None:
    """On the packaged build with one prompt's files gone (building all of them anew is the test above)."""
    assert COMMANDS["prompts"] == "hotline.cli.prompts:prompts"
    shutil.copytree(packaged[0].sounds_dir, settings.sounds_dir)
    welcome = settings.sounds_dir / "zh" / "hotline" / "welcome"
    for fmt in pb.FORMATS:
        welcome.with_suffix(f".{fmt}").unlink()
    runner = CliRunner()
    env = {"HOTLINE_HOME": str(settings.home)}

    first = runner.invoke(cli, ["prompts", "build"], env=env)
    second = runner.invoke(cli, ["prompts", "build"], env=env)

    total = len(pb.prompt_names("zh")) + len(pb.prompt_names("en"))
    assert first.exit_code == 0, first.output
    assert f"1 built, {total - 1} unchanged" in first.output
    assert "==> zh/welcome built (tts, " in first.output
    assert f"0 built, {total} unchanged" in second.output
    assert welcome.with_suffix(".ulaw").is_file()


def test_cli_reports_a_missing_tool_with_exit_status_2(settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["prompts", "build"], env={"HOTLINE_HOME": str(settings.home), "PATH": str(tmp_path / "none")}
    )
    assert result.exit_code == 2
    assert "install espeak-ng and sox: apt-get install espeak-ng sox libsox-fmt-all" in result.output
