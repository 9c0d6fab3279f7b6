#!/usr/bin/env bash
# run-bochs.sh - boot an ISO in Bochs, headless and without any prompt.
# usage: run-bochs.sh ISO WORKDIR [RESULTS_FILE [TIMEOUT_S [DISK_IMG]]]
# Without RESULTS_FILE it is `make run-bochs`: the serial console is shown as it comes.
# With RESULTS_FILE "-" it only runs (the serial log is WORKDIR/serial.log).
# With a file, tests/lib/ktap.py reads the serial log and records the KTAP results as bochs/*.
# BOCHS_MEGS sets the RAM (default 128). ROOT_DISK names a file-system image to attach as
# hdd (ata1-slave), the position Quire's root=hdd names in both emulators.
# Debian's Bochs has no `nogui` display: the rfb display with timeout=0 needs no client,
# and the debugger it is built with is driven by an rc file ("continue", then "quit" once
# the kernel's magic breakpoint stops it). See ../shared/brief/EMULATORS.md.
set -u
iso=$(readlink -f "$1"); work=$2; res=${3:-}; timeout=${4:-300}; disk=${5:-}
mkdir -p "$work"; work=$(readlink -f "$work")
serial=$work/serial.log; rm -f "$serial"
cat > "$work/bochsrc" <<RC
megs: ${BOCHS_MEGS:-128}
cpu: model=broadwell_ult, ips=4000000
clock: sync=none, time0=local
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: rfb, options="timeout=0"  # takes the first free port from 5901
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$serial"
magic_break: enabled=1
panic: action=fatal
error: action=report
log: $work/bochs.log
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
mouse: enabled=0
RC
[ -n "$disk" ] && echo "ata0-slave: type=disk, path=\"$disk\", mode=flat" >> "$work/bochsrc"
if [ -n "${ROOT_DISK:-}" ]; then
  echo "ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15" >> "$work/bochsrc"
  echo "ata1-slave: type=disk, path=\"$(readlink -f "$ROOT_DISK")\", mode=flat" >> "$work/bochsrc"
fi
printf 'continue\nquit\n' > "$work/cmds"
cmd=(bochs -q -unlock -f "$work/bochsrc" -rc "$work/cmds")
if [ "$res" = "-" ]; then   # serial log only, for tests/scenarios/scenarios.py
  timeout "$timeout" "${cmd[@]}" > "$work/bochs.out" 2>&1
elif [ -z "$res" ]; then
  ( "${cmd[@]}" > "$work/bochs.out" 2>&1 ) &
  pid=$!
  tail --pid=$pid -F "$serial" 2>/dev/null
  wait $pid
else
  python3 "$(dirname "$0")/../lib/ktap.py" --prefix bochs --results "$res" --log "$work/serial.txt" \
    --timeout "$timeout" --serial-file "$serial" -- "${cmd[@]}"
fi
