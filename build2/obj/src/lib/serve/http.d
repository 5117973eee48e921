build2/obj/src/lib/serve/http.o: src/lib/serve/http.c \
 src/lib/serve/http_internal.h include/kolm/err.h include/kolm/forecast.h \
 include/kolm/catalog.h include/kolm/commands.h include/kolm/local.h \
 include/kolm/model.h include/kolm/quality.h include/kolm/quantplan.h
src/lib/serve/http_internal.h:
include/kolm/err.h:
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
