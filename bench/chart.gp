# The report's chart, from report.py's data files:
#   gnuplot -e "data='DIR'; out='FILE.png'; subtitle='...'" chart.gp
# Top: every target's margin, measured over goal (inverted for at-most goals), so a bar reaching
# the line at 1 passes. Bottom: DynamoDB throughput per client, the ratios' raw figures.
set terminal pngcairo size 1400,1200 font "sans,10" noenhanced
set output out
set multiplot layout 2,1 title "fast_cache benchmarks\n".subtitle

set title "Targets: measured / goal (at-most goals inverted); >= 1 passes (capped at 10)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y
set yrange [0.05:12]
set grid ytics
set xtics rotate by 50 right font ",8" nomirror
set bmargin 16
set lmargin 12
unset key
plot data."/targets.dat" using 1:2:3:xtic(4) with boxes lc rgb variable, 1 with lines lw 2 lc rgb "black"

set title "DynamoDB Local: operations per second by client (wrk = the server's ceiling)"
set bmargin 4
set xtics norotate font ",10"
set yrange [*:*]
set key top right
set style data histograms
set style histogram clustered gap 1
plot for [c=2:5] data."/dynamodb.dat" using c:xtic(1) title columnheader(c)
unset multiplot
