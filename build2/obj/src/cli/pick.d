build2/obj/src/cli/pick.o: src/cli/pick.c src/cli/pick.h src/cli/cli.h \
 include/kolm/err.h include/kolm/forecast.h include/kolm/catalog.h \
 include/kolm/commands.h include/kolm/local.h include/kolm/model.h \
 include/kolm/quality.h include/kolm/quantplan.h
src/cli/pick.h:
src/cli/cli.h:
include/kolm/err.h:
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
