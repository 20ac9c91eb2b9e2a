#!/usr/bin/env python3
"""Fails when a public symbol of the library has no documentation comment.

Reads the symbol graphs `make docs` extracted (DocC's input), so it sees exactly what the
documentation shows. A symbol counts as documented when it has a doc comment of its own, or
when it implements a protocol requirement or overrides a member that has one (DocC shows the
inherited text there). Usage: check-doc-coverage.py SYMBOL_GRAPH_DIR...
"""
import json, pathlib, sys

def main(directories):
    graphs = [p for d in directories for p in pathlib.Path(d).rglob('*.symbols.json') if '@' not in p.name]
    if not graphs:
        sys.exit('check-doc-coverage: no symbol graphs found under ' + ' '.join(directories))
    documented, symbols, inherits = set(), {}, {}
    for path in graphs:
        graph = json.loads(path.read_text())
        for symbol in graph['symbols']:
            ident = symbol['identifier']['precise']
            symbols[ident] = (graph['module']['name'], symbol)
            if symbol.get('docComment', {}).get('lines'):
                documented.add(ident)
        for relation in graph['relationships']:
            if relation['kind'] in ('requirementOf', 'optionalRequirementOf', 'overrides', 'defaultImplementationOf'):
                inherits.setdefault(relation['source'], []).append(relation['target'])
    # Implementations and defaults of documented requirements show the requirement's text.
    missing = []
    for ident, (module, symbol) in sorted(symbols.items(), key=lambda item: item[1][1]['pathComponents']):
        if symbol.get('accessLevel') not in ('public', 'open'):
            continue
        if ident in documented or any(t in documented for t in inherits.get(ident, [])):
            continue
        location = symbol.get('location', {})
        where = location.get('uri', '').replace('file://', '')
        if not where:
            continue  # synthesised by the compiler (Hashable's hashValue): there is no source
        line = location.get('position', {}).get('line', 0) + 1
        missing.append(f"{module}.{'.'.join(symbol['pathComponents'])}  ({where}:{line})")
    total = sum(1 for _, (m, s) in symbols.items()
                if s.get('accessLevel') in ('public', 'open') and s.get('location'))
    print(f'{total - len(missing)} of {total} public symbols documented')
    if missing:
        print('undocumented:\n  ' + '\n  '.join(missing))
        sys.exit(1)

if __name__ == '__main__':
    main(sys.argv[1:] or ['.build-docs'])
