"""Build the IVR prompts: espeak-ng (or a recorded file) -> sox -> 8 kHz mono `.wav` + `.ulaw`."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from hotline.settings import Settings

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEXTS_DIR = PACKAGE_DIR / "texts"
RECORDED_DIR = PACKAGE_DIR / "recorded"
SUBDIR = "hotline"  # Asterisk plays sounds_dir/<lang>/hotline/<name> as `sound:hotline/<name>` + lang
FORMATS = ("wav", "ulaw")
VOICES = {"zh": "cmn", "en": "en-us"}  # espeak-ng voice per Asterisk language code
SPEED_WPM = 150
SAMPLE_RATE = 8000
# Part of every prompt's hash: bump it when the conversion below changes, so every prompt is rebuilt.
PIPELINE = 1
TOOL_TIMEOUT = 60.0
INSTALL_HINT = "install espeak-ng and sox: apt-get install espeak-ng sox libsox-fmt-all"
BUILT, SKIPPED, REMOVED = "built", "skipped", "removed"
TTS, RECORDED = "tts", "recorded"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_LANG = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?$")


class PromptError(Exception):
    """A prompt could not be built; the message is one sentence for the user."""


@dataclass(frozen=True)
class PromptResult:
    """What happened to one prompt of one language."""

    lang: str
    name: str
    status: str  # built | skipped | removed
    source: str  # tts | recorded
    duration_s: float | None
    files: tuple[Path, ...]

    def line(self) -> str:
        """One progress line: `zh/welcome built (tts, 6.12 s)`."""
        if self.duration_s is None:
            return f"{self.lang}/{self.name} {self.status} ({self.source})"
        return f"{self.lang}/{self.name} {self.status} ({self.source}, {self.duration_s:.2f} s)"


@dataclass(frozen=True)
class _Source:
    kind: str
    digest: str
    text: str
    path: Path | None = None


Progress = Callable[[PromptResult], None]


def languages(texts_dir: Path = TEXTS_DIR) -> list[str]:
    """Language codes that have a texts file, sorted."""
    return sorted(p.stem for p in texts_dir.glob("*.yaml") if _LANG.match(p.stem))


def load_texts(lang: str, texts_dir: Path = TEXTS_DIR) -> dict[str, str]:
    """The `name: text` prompts of `lang`, in file order."""
    if not _LANG.match(lang):
        raise PromptError(f"{lang!r} is not a language code")
    path = texts_dir / f"{lang}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"no prompt texts for language {lang!r} ({path} is missing)") from None
    except yaml.YAMLError as exc:
        raise PromptError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PromptError(f"{path} must hold `name: text` lines")
    texts: dict[str, str] = {}
    for name, text in data.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise PromptError(f"{path}: {name!r} is not a prompt name (lowercase letters, digits, _)")
        if not isinstance(text, str) or not text.strip():
            raise PromptError(f"{path}: prompt {name!r} needs a non-empty text")
        texts[name] = text.strip()
    return texts


def prompt_names(lang: str, texts_dir: Path = TEXTS_DIR) -> list[str]:
    """The prompt names of `lang` (what `sound:hotline/<name>` may play), in file order."""
    return list(load_texts(lang, texts_dir))


def recorded_file(lang: str, name: str, recorded_dir: Path = RECORDED_DIR) -> Path | None:
    """The recorded file overriding prompt `name` in `lang`, if there is one."""
    found = sorted(p for p in (recorded_dir / lang).glob(f"{name}.*") if p.is_file())
    if len(found) > 1:
        raise PromptError(f"two recorded files for {lang}/{name}: {found[0].name} and {found[1].name}")
    return found[0] if found else None


def build_prompts(
    settings: Settings,
    force: bool = False,
    progress: Progress | None = None,
    *,
    texts_dir: Path = TEXTS_DIR,
    recorded_dir: Path = RECORDED_DIR,
    langs: Sequence[str] | None = None,
) -> list[PromptResult]:
    """Build every prompt of every language into settings.sounds_dir; unchanged prompts are skipped."""
    require_tool("sox")
    results: list[PromptResult] = []
    for lang in langs if langs is not None else languages(texts_dir):
        results += _build_language(settings.sounds_dir / lang, lang, force, progress, texts_dir, recorded_dir)
    return results


def _build_language(
    lang_dir: Path, lang: str, force: bool, progress: Progress | None, texts_dir: Path, recorded_dir: Path
) -> list[PromptResult]:
    texts = load_texts(lang, texts_dir)
    _warn_stray_recordings(lang, texts, recorded_dir)
    out_dir = lang_dir / SUBDIR
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = lang_dir / f"{SUBDIR}.manifest.json"
    manifest = _load_manifest(manifest_path)
    results: list[PromptResult] = []

    def done(result: PromptResult) -> None:
        logger.info("prompt %s/%s: %s", result.lang, result.name, result.status)
        results.append(result)
        if progress is not None:
            progress(result)

    for name, text in texts.items():
        source = _source(lang, name, text, recorded_dir)
        files = tuple(out_dir / f"{name}.{fmt}" for fmt in FORMATS)
        duration = None if force or manifest.get(name, {}).get("hash") != source.digest else _intact(files)
        if duration is None:
            duration = _build_one(lang, name, source, lang_dir, files)
            manifest[name] = {"hash": source.digest, "source": source.kind}
            _save_manifest(manifest_path, manifest)
            status = BUILT
        else:
            status = SKIPPED
        done(PromptResult(lang, name, status, source.kind, duration, files))
    for name in sorted(set(manifest) - set(texts)):
        done(_remove(lang, name, manifest.pop(name), out_dir))
        _save_manifest(manifest_path, manifest)
    _say_files(lang_dir, lang, texts)
    return results


# Asterisk's own number saying (app_queue's position and wait announcements use it) plays
# digits/<n>; Mandarin has no such files in Debian, so they are made from the prompts of the same words
# (say.c's zh rules: digits/0-9, digits/10..90 for the tens, digits/hundred, digits/thousand).
SAY_DIR = "digits"
SAY_FILES: dict[str, dict[str, str]] = {
    "zh": {
        **{str(d): f"digit_{d}" for d in range(10)},
        **{str(t): f"n_{t}" for t in range(10, 100, 10)},
        "hundred": "n_100",
        "thousand": "n_1000",
    }
}


def _say_files(lang_dir: Path, lang: str, texts: dict[str, str]) -> None:
    wanted = SAY_FILES.get(lang, {})
    say_dir = lang_dir / SAY_DIR
    if not wanted:
        return
    say_dir.mkdir(exist_ok=True)
    for file_name, prompt in wanted.items():
        if prompt not in texts:
            raise PromptError(f"{lang}: prompt {prompt} (Asterisk's {SAY_DIR}/{file_name}) is missing")
        for fmt in FORMATS:
            source, target = lang_dir / SUBDIR / f"{prompt}.{fmt}", say_dir / f"{file_name}.{fmt}"
            if not target.exists() or target.read_bytes() != source.read_bytes():
                shutil.copyfile(source, target)


def _source(lang: str, name: str, text: str, recorded_dir: Path) -> _Source:
    recorded = recorded_file(lang, name, recorded_dir)
    if recorded is not None:
        content = hashlib.sha256(recorded.read_bytes()).hexdigest()
        return _Source(RECORDED, _digest(kind=RECORDED, file_sha256=content), text, recorded)
    voice = VOICES.get(lang)
    if voice is None:
        raise PromptError(f"no espeak-ng voice is set for language {lang!r}; record {lang}/{name} instead")
    return _Source(TTS, _digest(kind=TTS, voice=voice, speed=SPEED_WPM, text=text), text)


def _digest(**fields: object) -> str:
    blob = json.dumps({"pipeline": PIPELINE, **fields}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _intact(files: tuple[Path, ...]) -> float | None:
    """The prompt's duration if all its files are there and sox reads the master, else None."""
    if not all(f.is_file() and f.stat().st_size > 0 for f in files):
        return None
    try:
        return duration_of(files[0])
    except PromptError:
        return None


def _build_one(lang: str, name: str, source: _Source, lang_dir: Path, files: tuple[Path, ...]) -> float:
    """Convert the source into the master `.wav` and the `.ulaw` in a scratch dir, then move them in."""
    what = f"{lang}/{name}"
    with tempfile.TemporaryDirectory(prefix=".build-", dir=lang_dir) as tmp:
        scratch = Path(tmp)
        if source.path is not None:
            raw = source.path
        else:
            require_tool("espeak-ng")
            raw = scratch / "espeak.wav"
            _run(
                ["espeak-ng", "-v", VOICES[lang], "-s", str(SPEED_WPM), "-b", "1", "-w", str(raw)],
                what,
                stdin=source.text.encode("utf-8"),
            )
        master, ulaw = (scratch / f.name for f in files)
        _run(
            [
                "sox",
                str(raw),
                "-r",
                str(SAMPLE_RATE),
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                str(master),
            ],
            what,
        )
        _run(["sox", str(master), "-t", "ul", str(ulaw)], what)
        duration = duration_of(master)
        if duration <= 0:
            raise PromptError(f"{what} came out empty (source: {source.path or 'espeak-ng'})")
        for built, final in zip((master, ulaw), files, strict=True):
            os.chmod(built, 0o644)
            os.replace(built, final)
    return duration


def _remove(lang: str, name: str, entry: dict[str, str], out_dir: Path) -> PromptResult:
    """Delete the files of a prompt that left the texts (only files this build made)."""
    files = tuple(out_dir / f"{name}.{fmt}" for fmt in FORMATS)
    for f in files:
        f.unlink(missing_ok=True)
    return PromptResult(lang, name, REMOVED, entry.get("source", TTS), None, files)


def _warn_stray_recordings(lang: str, texts: dict[str, str], recorded_dir: Path) -> None:
    for path in sorted((recorded_dir / lang).glob("*")):
        if path.is_file() and path.stem not in texts:
            logger.warning("prompts: %s has no text in %s.yaml; ignored", path, lang)


def _load_manifest(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("prompts: unreadable manifest %s (%s); rebuilding", path, exc)
        return {}
    prompts = data.get("prompts") if isinstance(data, dict) else None
    return {k: v for k, v in prompts.items() if isinstance(v, dict)} if isinstance(prompts, dict) else {}


def _save_manifest(path: Path, manifest: dict[str, dict[str, str]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"prompts": manifest}, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def require_tool(tool: str) -> None:
    """Fail with the install hint when `tool` is not on PATH."""
    if shutil.which(tool) is None:
        raise PromptError(f"{tool} is not installed; {INSTALL_HINT}")


def duration_of(path: Path) -> float:
    """The audio length in seconds, as `sox --i -D` measures it."""
    out = _run(["sox", "--i", "-D", str(path)], str(path))
    try:
        return float(out.strip())
    except ValueError:
        raise PromptError(f"sox could not measure {path}") from None


def _run(argv: list[str], what: str, stdin: bytes | None = None) -> str:
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    except FileNotFoundError:
        raise PromptError(f"{argv[0]} is not installed; {INSTALL_HINT}") from None
    except subprocess.TimeoutExpired:
        raise PromptError(f"{argv[0]} took more than {TOOL_TIMEOUT:.0f} s on {what}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit status {proc.returncode}"
        raise PromptError(f"{argv[0]} failed on {what}: {reason}")
    return proc.stdout.decode("utf-8", "replace")
