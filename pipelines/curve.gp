# The training curve from train's log.tsv (lines "step<TAB>key<TAB>value"):
# training loss on the left axis, eval metrics on the right.
# gnuplot -e "logfile='run/log.tsv'; outfile='curve.png'; title='mrpc'" pipelines/curve.gp
if (!exists("title")) title = "training"
set terminal pngcairo size 900,520 noenhanced
set output outfile
set datafile separator "\t"
set title title
set xlabel "step"
set ylabel "training loss"
set y2label "eval metric"
set y2range [0:1]
set ytics nomirror
set y2tics
set key outside bottom center horizontal
set grid
keys = system("cut -f2 '" . logfile . "' | grep '^eval_' | grep -v eval_loss | sort -u | tr '\\n' ' '")
plot logfile using 1:(strcol(2) eq "loss" ? $3 : 1/0) with linespoints pt 7 ps 0.5 title "loss", \
     logfile using 1:(strcol(2) eq "eval_loss" ? $3 : 1/0) with linespoints pt 5 title "eval_loss", \
     for [k in keys] logfile using 1:(strcol(2) eq k ? $3 : 1/0) axes x1y2 with linespoints pt 9 title k
