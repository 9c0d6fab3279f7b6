# policies.gp - build/plot/policies.png: pum-bench's summary per page-usage policy as
# clustered bars (geometric mean over all traces, over the real programs' traces, worst cell).
# usage: gnuplot -e "dat='FILE.dat'; out='FILE.png'" policies.gp   (dat: NAME ALL REAL WORST)
set terminal pngcairo size 900,500 font "sans,10" noenhanced
set output out
set title "Page-usage policies (make pum-bench; tests/pum/README.md says what the figures are)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key outside right top
set ylabel "pum-bench figure"
plot dat using 2:xtic(1) title "geometric mean, all traces", \
     '' using 3 title "geometric mean, real programs", \
     '' using 4 title "worst cell"
