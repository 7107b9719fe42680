# The report's chart, from report.py's data files:
#   gnuplot -e "data='DIR'; out='FILE.png'; subtitle='...'" chart.gp
# Top: every target's margin, measured over goal (inverted for at-most goals; a point past the
# goal adds 1 for goals in percentage points), so a bar reaching the line at 1 passes. Then the
# in-memory backend against Caffeine 2.6.2: hit ratio per trace, and throughput per workload.
# Last, unless the run was --memory-only: DynamoDB throughput per client, the ratios' raw figures.
has_dynamodb = system("test -f '".data."/dynamodb.dat' && echo 1 || echo 0") + 0
set terminal pngcairo size 1400,(has_dynamodb ? 2000 : 1500) font "sans,10" noenhanced
set output out
set multiplot layout (has_dynamodb ? 4 : 3),1 title "fast_cache benchmarks\n".subtitle

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

set title "Hit ratio (%) on the same seeded traces: fast_cache W-TinyLFU vs Caffeine 2.6.2 vs LRU"
unset logscale y
set bmargin 4
set xtics norotate font ",10"
set yrange [0:*]
set key top right
set style data histograms
set style histogram clustered gap 1
plot for [c=2:5] data."/hit_ratio.dat" using c:xtic(1) title columnheader(c)

set title "Throughput (million operations/s, log scale): fast_cache get_into / 90-10 mix vs Caffeine getIfPresent / put"
set xtics rotate by 30 right font ",9"
set bmargin 7
set logscale y
set yrange [0.1:100]
plot for [c=2:3] data."/caffeine.dat" using c:xtic(1) title columnheader(c)
unset logscale y

if (has_dynamodb) {
  set title "DynamoDB Local: operations per second by client (wrk = the server's ceiling)"
  set bmargin 4
  set xtics norotate font ",10"
  set yrange [*:*]
  plot for [c=2:5] data."/dynamodb.dat" using c:xtic(1) title columnheader(c)
}
unset multiplot
