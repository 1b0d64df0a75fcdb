"""Import every module of a package so that its registrations run (new file = new plugin)."""
import importlib
import pkgutil


def import_all(package_name: str, package_path) -> None:
    for info in sorted(pkgutil.iter_modules(package_path), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package_name}.{info.name}")
