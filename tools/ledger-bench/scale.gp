# Throughput vs ledger size, from the `scale` series of a `ledger-bench --json` run.
# Called by plot-scale.sh with: datafile (columns: prior transfers, engine transfers/s,
# bare rows/s, engine RSS MiB, engine at the first size measured at the same time, bare
# likewise, engine with random UUIDv4 keys), outfile and subtitle.
set terminal pngcairo size 900,560 font "DejaVu Sans,10"
set output outfile
set title "ledger-bench scale: batches of 1000 per durable commit, after N prior transfers\n{/*0.8 ".subtitle."}"
set logscale x 10
set format x "%.0s%c"
set xlabel "prior transfers in the ledger"
set ylabel "throughput (items/s)"
set format y "%.0s%c"
set y2label "engine RSS (MiB)"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set key outside bottom center horizontal maxrows 3 box
set bmargin 9
set grid xtics ytics
plot datafile using 1:2 with linespoints lw 2 pt 7 title "engine, time-ordered UUIDv7 keys: transfers/s", \
     datafile using 1:7 with linespoints lw 2 pt 9 lc 4 title "engine, random UUIDv4 keys: transfers/s", \
     datafile using 1:3 with linespoints lw 2 pt 5 dt 2 title "bare SQLite: 16-byte-key rows/s", \
     datafile using 1:5 with lines lw 1 dt 3 lc 1 title "engine at the first size, measured alongside", \
     datafile using 1:6 with lines lw 1 dt 3 lc 2 title "bare at the first size, measured alongside", \
     datafile using 1:4 axes x1y2 with lines lw 1 dt 4 lc rgb "gray40" title "engine RSS (MiB, right axis)"
