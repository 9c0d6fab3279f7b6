# swapbusy.awk - guest instructions per swapped page with the idle loop's time taken out,
# from the swap benchmark's console log (tests/bench/README.md, "Swap, two ways"):
#   BENCH swap_total_tsc N tsc   ticks from the start of the write pass to the end of the
#                                first read pass (one tick = one instruction under -icount)
#   BENCH swap_idle_tsc N tsc    ticks of that time spent in the idle loop
#   BENCH swap_pages N pages     swap-ins + swap-outs in that time (optional; else the global
#                                in + out of the swapper's "# verify-1" line)
# Prints swap.insns_per_page and swap.idle_fraction lines, nothing when the tsc lines are
# absent; exits 1 when they are there but the page count is missing or zero.
# usage: awk -f swapbusy.awk LOG
$1 == "BENCH" { v[$2] = $3 }
/^# verify-1 / { for (i = 1; i < NF; i++) if ($i == "(global:") { gin = $(i + 2); gout = $(i + 4) } }
END {
  if (!("swap_idle_tsc" in v) || !("swap_total_tsc" in v)) exit 0
  pages = ("swap_pages" in v) ? v["swap_pages"] : gin + gout
  if (pages <= 0 || v["swap_total_tsc"] <= 0) {
    print "bench: swap_idle_tsc printed but no swapped pages or no total" > "/dev/stderr"
    exit 1
  }
  printf "swap.insns_per_page %.2f insns/page\n", (v["swap_total_tsc"] - v["swap_idle_tsc"]) / pages
  printf "swap.idle_fraction %.4f ratio\n", v["swap_idle_tsc"] / v["swap_total_tsc"]
}
