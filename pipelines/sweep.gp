# A sweep's summary (pipelines/sweep-summary.sh's table: lr, runs, seeds,
# then METRIC_mean and METRIC_std per metric): each metric's mean over the
# seeds per learning rate, with the standard deviation as error bars.
# gnuplot -e "infile='out/mrpc/sweep/summary.tsv'; outfile='summary.png'; title='mrpc'" pipelines/sweep.gp
if (!exists("title")) title = "sweep"
set terminal pngcairo size 900,520 noenhanced
set output outfile
set datafile separator "\t"
set title title
set xlabel "learning rate"
set ylabel "metric (mean +- std over seeds)"
set key outside bottom center horizontal
set grid
set offsets 0.5, 0.5, 0, 0
header = system("head -n 1 '" . infile . "'")
nm = (words(header) - 3) / 2
plot for [i=0:nm-1] infile every ::1 using 0:(column(4 + 2*i)):(column(5 + 2*i)):xtic(1) \
     with yerrorlines pt 7 title substr(word(header, 4 + 2*i), 1, strlen(word(header, 4 + 2*i)) - 5)
