#!/usr/bin/env bash
# check_cycles.sh: no two source files use each other (see check_cycles.py).
exec python3 "$(dirname "$0")/check_cycles.py"
