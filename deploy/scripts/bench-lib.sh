# Shared by the bench scripts (bench.sh, bench-postgres.sh, bench-exports.sh, bench-ab-server.sh; sourced, not run).
# Needs: $started (date +%s at the start of the run).

# Each step logs how busy the machine is: on a shared box, CPU pressure explains latency.
log() {
    printf '\n== %s (%ds; load %s; cpu pressure %s)\n' "$*" "$(( $(date +%s) - started ))" \
        "$(cut -d' ' -f1 /proc/loadavg)" "$(head -1 /proc/pressure/cpu 2>/dev/null | cut -d' ' -f2)"
}

# bench_build NAME BUILD_DIR TARGET...: configures BUILD_DIR if needed (the bench
# preset for build/bench, else Release with -DADMIT_BUILD_BENCH=ON) and builds the
# targets; ADMIT_BENCH_NO_BUILD=1 uses the binaries already there. Exits on failure.
bench_build() {
    local name=$1 dir=$2
    shift 2
    if [[ "${ADMIT_BENCH_NO_BUILD:-0}" == 1 ]]; then
        echo "$name: ADMIT_BENCH_NO_BUILD=1: using the binaries already in $dir"
        return
    fi
    if [[ ! -f $dir/build.ninja && $dir == build/bench ]]; then
        cmake --preset bench >/dev/null
    elif [[ ! -f $dir/build.ninja ]]; then
        cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DADMIT_BUILD_BENCH=ON >/dev/null
    else
        cmake -S . -B "$dir" >/dev/null  # picks up packages (websocketpp) installed since the last configure
    fi
    if ! cmake --build "$dir" -j "${ADMIT_BUILD_JOBS:-2}" --target "$@"; then
        echo "$name: the build failed (see above); fix it, or rerun with ADMIT_BENCH_NO_BUILD=1 to use the binaries already built" >&2
        exit 1
    fi
}

# prepare NAME STATIONS PEOPLE: an event with a roster and badges in
# $work/NAME (template data dir), made with the tools in $bin.
prepare() {
    local dir=$work/$1
    mkdir -p "$dir/template"
    "$bin/admit-load" gen-event --out "$dir/event.toml" --data "$dir/data" --stations "$2" >/dev/null
    "$bin/admit" keygen --data "$dir/template" >/dev/null
    "$bin/admit" demo-roster --config "$dir/event.toml" --count "$3" --seed 2023 > "$dir/roster.csv"
    "$bin/admit" import-roster --config "$dir/event.toml" --data "$dir/template" "$dir/roster.csv" >/dev/null
    "$bin/admit" issue-badges --config "$dir/event.toml" --data "$dir/template" --out "$dir/tokens.csv" >/dev/null
}
