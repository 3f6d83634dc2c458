from django.urls import path

from workers import views

app_name = "workers"

urlpatterns = [
    path("dev/mailbox/", views.mailbox, name="mailbox"),
    path("dev/mailbox/<str:name>/", views.mailbox_file, name="mailbox-file"),
]
