build2/obj/src/lib/forecast/quickstart.o: src/lib/forecast/quickstart.c \
 include/kolm/quickstart.h include/kolm/err.h include/kolm/catalog.h \
 include/kolm/commands.h include/kolm/ctx.h include/kolm/forecast.h \
 include/kolm/local.h include/kolm/model.h include/kolm/quality.h \
 include/kolm/quantplan.h include/kolm/util.h include/kolm/version.h
include/kolm/quickstart.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/commands.h:
include/kolm/ctx.h:
include/kolm/forecast.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/util.h:
include/kolm/version.h:
