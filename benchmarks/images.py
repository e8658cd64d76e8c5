"""Image adaptation benchmark: a 6000×4000 JPEG and a 24-megapixel PNG for every built-in platform.

    python benchmarks/images.py [--repeat 3]

Two ways to get every platform's variant, each measured in a fresh child process, both starting
cold (no renditions, nothing kept in memory):

- ``baseline``: the naive way, one ``image.get_rendition(spec)`` per platform from the original
  (Wagtail decodes the full original each time), with the spec that ``crosspost`` picks first.
- ``crosspost``: ``outbox.images.prepare_media`` once per platform, as delivery calls it.

Time is wall-clock (``time.perf_counter``) around the work only; the best of ``--repeat`` runs is
kept. Memory is the child's peak resident set size (the kernel's ``VmHWM``, reset just before the
work through ``/proc/self/clear_refs``): unlike ``tracemalloc`` it sees Pillow's pixel buffers,
which are allocated in C, and unlike ``ru_maxrss`` it does not carry the parent's peak over
``exec``. ``peak_mb`` is the increase over the resident size just before the work began (Django,
Wagtail and Pillow loaded); the absolute peak of the process is printed too. The last line reads
``images: ratio=<crosspost time / baseline time> peak_mb=<crosspost's highest peak increase>``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = (("6000×4000 JPEG", "photo-6000x4000.jpg"), ("24 MP PNG", "photo-6000x4000.png"))
VARIANTS = ("baseline", "crosspost")


def setup_django() -> None:
    sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()


def photo(width: int, height: int):
    """Photo-like pixels: gradients with grain (compresses like a photo, not like noise)."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.frombytes("L", (width, height), os.urandom(width * height))
    red = Image.blend(gradient, grain, 0.15)
    blue = gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return Image.merge("RGB", (red, Image.blend(blue, grain, 0.08), blue))


def prepare_sources() -> dict[str, int]:
    """Migrate the benchmark database and store the two sources as Wagtail images."""
    from django.core.files.images import ImageFile
    from django.core.management import call_command
    from wagtail.images import get_image_model

    call_command("migrate", verbosity=0)
    pixels = photo(6000, 4000)
    ids = {}
    for _label, name in SOURCES:
        path = os.path.join(os.environ["CROSSPOST_BENCH_DIR"], name)
        if name.endswith(".jpg"):
            pixels.save(path, "JPEG", quality=92)
        else:
            pixels.save(path, "PNG", compress_level=6)
        with open(path, "rb") as handle:
            image = get_image_model().objects.create(
                title=name, description="Benchmark source", file=ImageFile(handle, name=name)
            )
        ids[name] = image.pk
    return ids


def platform_rules():
    from tests.compose.image_rules import builtin_image_rules

    return sorted(builtin_image_rules().items())


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start_peak_window() -> int:
    """Reset the kernel's peak-RSS mark (Linux ≥ 4.0) and return the resident size now, in kB."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass  # not resettable: VmHWM then includes the start-up peak (an overestimate)
    return _status_kb("VmRSS")


def peak_kb() -> int:
    """Peak RSS of this process image: VmHWM (ru_maxrss would carry the parent's peak over
    ``exec``)."""
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(variant: str, image_id: int) -> dict[str, float]:
    """One measured run, in this (fresh) process."""
    setup_django()
    from wagtail.images import get_image_model

    from wagtail_crosspost.compose import images
    from wagtail_crosspost.outbox import images as stored

    image = get_image_model().objects.get(pk=image_id)
    for rendition in image.renditions.all():
        rendition.file.delete(save=False)
        rendition.delete()
    images.forget_sources()
    image = get_image_model().objects.get(pk=image_id)
    rules = [r for _key, r in platform_rules()]
    specs = []
    if variant == "baseline":  # the spec crosspost would try first, made the naive way
        source = stored.source_of(image)
        info = images._source_info(source)
        specs = [images.plan_variant(info, images._focal_point(source, info), r) for r in rules]
        images.forget_sources()

    before_kb = start_peak_window()
    start = time.perf_counter()
    if variant == "baseline":
        sizes = []
        for plan in specs:
            rendition = image.get_rendition(plan.attempts[0].spec)
            sizes.append(rendition.file.size)
    else:
        sizes = []
        for r in rules:
            media, note = stored.prepare_media(image, r)
            if media is None:
                raise SystemExit(f"no variant: {note}")
            sizes.append(len(media.content))
    elapsed = time.perf_counter() - start
    peak = peak_kb()
    return {
        "seconds": elapsed,
        "peak_mb": max(0, peak - before_kb) / 1024,
        "max_rss_mb": peak / 1024,
        "variants": len(sizes),
        "bytes": sum(sizes),
    }


def measure(variant: str, image_id: int, env: dict[str, str]) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", variant, str(image_id)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"{variant} run failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "IMAGE_ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child[0], int(args.child[1]))))
        return

    with tempfile.TemporaryDirectory(prefix="crosspost-bench-") as directory:
        env = dict(os.environ, CROSSPOST_BENCH_DIR=directory)
        env["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
        os.environ.update(env)
        setup_django()
        ids = prepare_sources()
        platforms = [key for key, _rules in platform_rules()]
        print(f"platforms ({len(platforms)}): {', '.join(platforms)}")
        print(f"runs per measurement: {args.repeat} (best time, highest memory)")
        print()
        header = f"{'source':<16} {'variant':<10} {'time s':>8} {'peak MB':>8} {'max RSS MB':>10}"
        print(header + f" {'files':>5} {'bytes':>11}")
        print("-" * (len(header) + 18))
        totals = {v: 0.0 for v in VARIANTS}
        peaks = {v: 0.0 for v in VARIANTS}
        for label, name in SOURCES:
            for variant in VARIANTS:
                runs = [measure(variant, ids[name], env) for _ in range(args.repeat)]
                best = min(r["seconds"] for r in runs)
                peak = max(r["peak_mb"] for r in runs)
                max_rss = max(r["max_rss_mb"] for r in runs)
                totals[variant] += best
                peaks[variant] = max(peaks[variant], peak)
                print(
                    f"{label:<16} {variant:<10} {best:>8.2f} {peak:>8.0f} {max_rss:>10.0f} "
                    f"{int(runs[0]['variants']):>5} {int(runs[0]['bytes']):>11,}"
                )
        ratio = totals["crosspost"] / totals["baseline"]
        print()
        print(
            f"total: baseline {totals['baseline']:.2f} s, crosspost {totals['crosspost']:.2f} s; "
            f"peak increase: baseline {peaks['baseline']:.0f} MB, "
            f"crosspost {peaks['crosspost']:.0f} MB"
        )
        print(f"images: ratio={ratio:.2f} peak_mb={peaks['crosspost']:.0f}")


if __name__ == "__main__":
    main()
