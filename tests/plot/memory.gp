# memory.gp - build/plot/memory.png from memtrace.py's data: three panels over guest time,
# resident pages per process with free frames, swapped pages per process, and the global
# swap-in and swap-out rates. usage: gnuplot -e "dir='DATA_DIR'; out='FILE.png'" memory.gp
if (!exists("dir")) dir = "build/plot"
if (!exists("out")) out = dir . "/memory.png"
if (!exists("title")) title = "Quire under memory pressure"
set terminal pngcairo size 1100,1000 font "sans,10" noenhanced
set output out
procs = dir . "/procs.dat"
glob = dir . "/global.dat"
stats glob using 1 nooutput
set xrange [STATS_min:STATS_max]
set multiplot layout 3,1 title title
set grid
set key outside right top
set xlabel "guest time (s)"
set lmargin 12
set rmargin 24

set ylabel "resident pages (4 KiB)"
plot for [i=0:*] procs index i using 1:2 with lines lw 2 title columnheader(1), \
     glob using 1:2 with lines lw 2 dt 2 lc rgb "black" title "free frames"

set ylabel "pages in swap"
plot for [i=0:*] procs index i using 1:3 with lines lw 2 title columnheader(1)

set ylabel "pages per second"
# a rate covers the interval up to its sample: fsteps draws it over that interval
plot glob using 1:3 with fsteps lw 2 title "swap-ins/s", \
     glob using 1:4 with fsteps lw 2 title "swap-outs/s"
unset multiplot
