from django.http import HttpResponse
from django.template import Context, Template
from django.urls import include, path

from django_project.shop.models import Book, Shelf

#: instances kept alive after the response, so the panel shows them
KEPT = []


def books(request):
    n = int(request.GET.get("n", "3"))
    KEPT.extend(Book(title="title %d" % i, pages=i) for i in range(n))
    Shelf(label="temporary")          # created and dropped during the request
    body = Template("<p>{{ n }} books</p>").render(Context({"n": n}))
    return HttpResponse("<!DOCTYPE html><html><head><title>books</title></head>"
                        "<body>%s</body></html>" % body)


urlpatterns = [
    path("books/", books),
    path("__debug__/", include("debug_toolbar.urls")),
]
