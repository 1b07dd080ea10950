# The training curve from train's log.tsv (lines "step<TAB>key<TAB>value"):
# the training loss and the evaluation loss on the left axis, the evaluation
# metrics (eval_* but the loss and the timings) on the right axis.
# gnuplot -e "logfile='run/log.tsv'; outfile='curve.png'; title='mrpc'" pipelines/curve.gp
if (!exists("title")) title = "training"
set terminal pngcairo size 900,520 noenhanced
set output outfile
set datafile separator "\t"
set title title
set xlabel "step"
set ylabel "loss"
set y2label "eval metric"
set ytics nomirror
set y2tics
set y2range [*<0:1<*]
set key outside bottom center horizontal
set grid
# one key's rows (step, value): each series is a joined line
series(k) = "< awk -F'\t' '$2 == \"" . k . "\"' '" . logfile . "'"
keys = system("cut -f2 '" . logfile . "' | grep '^eval_' | grep -Ev '^eval_(loss|runtime|samples_per_second|steps_per_second)$' | sort -u | tr '\\n' ' '")
plot series("loss") using 1:3 with lines lw 2 title "loss", \
     series("eval_loss") using 1:3 with linespoints pt 5 title "eval_loss", \
     for [k in keys] series(k) using 1:3 axes x1y2 with linespoints pt 7 title k
