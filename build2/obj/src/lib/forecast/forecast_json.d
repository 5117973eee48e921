build2/obj/src/lib/forecast/forecast_json.o: \
 src/lib/forecast/forecast_json.c include/kolm/forecast.h \
 include/kolm/catalog.h include/kolm/err.h include/kolm/commands.h \
 include/kolm/local.h include/kolm/model.h include/kolm/quality.h \
 include/kolm/quantplan.h include/kolm/types.h include/kolm/fp16.h
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/types.h:
include/kolm/fp16.h:
