build2/obj/src/cli/cmd_bench.o: src/cli/cmd_bench.c src/cli/cli.h \
 include/kolm/err.h src/cli/pick.h include/kolm/forecast.h \
 include/kolm/catalog.h include/kolm/commands.h include/kolm/local.h \
 include/kolm/model.h include/kolm/quality.h include/kolm/quantplan.h \
 include/kolm/bench.h include/kolm/ctx.h include/kolm/export.h \
 include/kolm/util.h
src/cli/cli.h:
include/kolm/err.h:
src/cli/pick.h:
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/bench.h:
include/kolm/ctx.h:
include/kolm/export.h:
include/kolm/util.h:
