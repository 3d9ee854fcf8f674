#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""doc-coverage.py SEALPOST: do the code and its documentation name the same
things? (make check-doc)

From the code:
  - configuration keys: the G(), A() and D() tables of src/config.c;
  - command-line options: src/cli.c's long options (long_opt()), the
    value options and flags (the switches of set_arg() and cli_parse()),
    the -b and -o words (set_b(), set_o()) and the -q selections (set_q());
  - exit statuses: every EX_* name used in src/*.c, as numbers.
Each must appear in its documentation, and everything documented must
exist in the code:
  - keys: the items of sealpost.conf(5)'s [global], [account NAME] and
    [domain NAME] sections;
  - options: the items of sealpost(8)'s OPTIONS section, and `SEALPOST
    --help`; long options also in each of completions/ (bash, zsh, fish);
  - exit statuses: the items of sealpost(8)'s EXIT STATUS section and the
    "Exit status" lines of --help.
Options the code accepts only to ignore them (set_arg()'s "ignoring" group)
are left out on both sides. Prints each difference; exits 1 if any.
"""
import re
import subprocess
import sys

SRC = 'src'
problems = []


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def function_body(text, name):
    """The body of the C function NAME defined in text (K&R style as here)."""
    m = re.search(r'^%s\([^)]*\)\s*\n\{' % re.escape(name), text, re.M)
    if not m:
        problems.append('src/cli.c: cannot find %s()' % name)
        return ''
    depth, i = 0, m.end() - 1
    for j in range(i, len(text)):
        if text[j] == '{':
            depth += 1
        elif text[j] == '}':
            depth -= 1
            if depth == 0:
                return text[i:j + 1]
    return text[i:]


def switch_cases(body):
    """{letter: statement text} for each case label of the switches in body."""
    out = {}
    parts = re.split(r"case '(.)':", body)
    # parts: [before, L1, after1, L2, after2, ...]; a label with no
    # statement of its own falls through to the next one's.
    pending = []
    for k in range(1, len(parts), 2):
        letter, after = parts[k], parts[k + 1]
        pending.append(letter)
        if after.strip():
            for p in pending:
                out[p] = after
            pending = []
    return out


def code_options():
    cli = read(SRC + '/cli.c')
    opts, ignored = set(), set()
    for name in re.findall(r'str(?:n)?cmp\(a, "([a-z][a-z-]*=?)"', function_body(cli, 'long_opt')):
        opts.add('--' + name)
    for letter, stmt in switch_cases(function_body(cli, 'set_arg')).items():
        if 'default' in stmt.split('break')[0] and letter == '':
            continue
        (ignored if 'ignoring' in stmt else opts).add('-' + letter)
    for letter, stmt in switch_cases(function_body(cli, 'cli_parse')).items():
        (ignored if 'ignoring' in stmt else opts).add('-' + letter)
    for w in re.findall(r'strcmp\(v, "(\w+)"\)', function_body(cli, 'set_b')):
        opts.add('-b' + w)
    for w in re.findall(r'strcmp\(v, "(\w+)"\)', function_body(cli, 'set_o')):
        opts.add('-o' + w)
    opts.add('-q')
    for w in re.findall(r"\*v == '([A-Z])'", function_body(cli, 'set_q')):
        opts.add('-q' + w)
    return opts, ignored


OPT_RE = re.compile(r'(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*=?)')


def man_section(text, title):
    m = re.search(r'^\.SH %s\s*$(.*?)(?=^\.SH )' % re.escape(title), text, re.M | re.S)
    if not m:
        problems.append('doc: no section %s' % title)
        return ''
    return m.group(1)


def tp_items(section):
    """The first line after each .TP: the tag of each item."""
    return re.findall(r'^\.TP[^\n]*\n([^\n]*)', section, re.M)


def roff_plain(line):
    line = re.sub(r'\\f[BIRP]', '', line).replace('\\-', '-').replace('\\(em', ' ')
    return re.sub(r'^\.(B|BI|BR|IR|RB|I)\s+', '', line).replace('"', ' ')


def man_options(man):
    out = set()
    for tag in tp_items(man_section(man, 'OPTIONS')):
        out |= set(OPT_RE.findall(roff_plain(tag)))
    return out


def help_text(binary):
    p = subprocess.run([binary, '--help'], capture_output=True, text=True, timeout=10)
    if p.returncode != 0:
        problems.append('%s --help: exit %d' % (binary, p.returncode))
    return p.stdout


def help_options(text):
    usage = text.split('\nExit status')[0]
    # [=DOMAIN]: the option's value, written after it.
    usage = usage.replace('[=', '=[')
    return set(OPT_RE.findall(usage))


def compare(what, code, docs, where):
    for x in sorted(code - docs):
        problems.append('%s %s is in the code, not in %s' % (what, x, where))
    for x in sorted(docs - code):
        problems.append('%s %s is in %s, not in the code' % (what, x, where))


def norm_long(opts):
    """--probe= and --probe, --account= and --account: one name each; -vv
    is -v twice."""
    return {'-v' if o == '-vv' else o.rstrip('=') for o in opts}


def check_options(binary):
    code, ignored = code_options()
    man = read('doc/sealpost.8')
    compare('option', norm_long(code), norm_long(man_options(man) - ignored),
            'sealpost(8) OPTIONS')
    hopts = help_options(help_text(binary))
    compare('option', norm_long(code), norm_long(hopts - ignored), '--help')
    longs = sorted(o[2:] for o in norm_long(code) if o.startswith('--'))
    for comp in ('completions/sealpost.bash', 'completions/_sealpost',
                 'completions/sealpost.fish'):
        text = read(comp)
        for name in longs:
            if not re.search(r'(?<![\w-])(--|-l |--long-option[ =])?%s(?![\w-])' % re.escape(name),
                             text) or ('--' + name not in text and '-l ' + name not in text):
                problems.append('option --%s is in the code, not in %s' % (name, comp))


def code_keys():
    cfg = read(SRC + '/config.c')
    return {sect: set(re.findall(r'^\s*%s\("([a-z_]+)"' % macro, cfg, re.M))
            for sect, macro in (('[global]', 'G'), ('[account NAME]', 'A'),
                                ('[domain NAME]', 'D'))}


def check_keys():
    conf = read('doc/sealpost.conf.5')
    for sect, keys in code_keys().items():
        docs = set()
        for tag in tp_items(man_section(conf, sect)):
            # One item may name several keys: "key value, key value".
            for part in roff_plain(tag).split(','):
                m = re.match(r'\s*([a-z_]+)', part)
                if m:
                    docs.add(m.group(1))
        compare('key', keys, docs, 'sealpost.conf(5) %s' % sect)


def sysexits():
    names = {}
    try:
        for name, num in re.findall(r'#define\s+(EX_[A-Z_]+)\s+(\d+)',
                                    read('/usr/include/sysexits.h')):
            names[name] = int(num)
    except OSError as e:
        problems.append('sysexits.h: %s' % e)
    return names


def check_statuses(binary):
    table = sysexits()
    used = set()
    for path in subprocess.run(['sh', '-c', 'ls %s/*.c' % SRC], capture_output=True,
                               text=True).stdout.split():
        for name in re.findall(r'\b(EX_[A-Z_]+)\b', read(path)):
            if name == 'EX__BASE' or name == 'EX__MAX':
                continue
            if name not in table:
                problems.append('%s: %s is not in sysexits.h' % (path, name))
            else:
                used.add(table[name])
    man = read('doc/sealpost.8')
    docs = set()
    for tag in tp_items(man_section(man, 'EXIT STATUS')):
        m = re.match(r'\s*(\d+)\b', roff_plain(tag))
        if m:
            docs.add(int(m.group(1)))
    compare('exit status', used, docs, 'sealpost(8) EXIT STATUS')
    text = help_text(binary)
    tail = text.split('\nExit status', 1)[1] if '\nExit status' in text else ''
    tail = re.sub(r'\w+\(\d\)', '', tail)     # sealpost(8): a page, not a status
    compare('exit status', used, {int(n) for n in re.findall(r'(?<![\w-])(\d+)(?![\w-])', tail)},
            '--help')


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: doc-coverage.py SEALPOST')
    check_options(sys.argv[1])
    check_keys()
    check_statuses(sys.argv[1])
    for p in problems:
        print('doc-coverage: ' + p)
    if problems:
        sys.exit(1)
    print('doc-coverage: options, keys and exit statuses match their documentation')


if __name__ == '__main__':
    main()
