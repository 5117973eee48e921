build2/obj/src/lib/forecast/best.o: src/lib/forecast/best.c \
 include/kolm/forecast.h include/kolm/catalog.h include/kolm/err.h \
 include/kolm/commands.h include/kolm/local.h include/kolm/model.h \
 include/kolm/quality.h include/kolm/quantplan.h include/kolm/ctx.h \
 include/kolm/util.h
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/ctx.h:
include/kolm/util.h:
