from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)

    class Meta:
        app_label = "shop"


class Shelf(models.Model):
    label = models.CharField(max_length=20)

    class Meta:
        app_label = "shop"
