from django.shortcuts import get_object_or_404, render

from .models import WallPost


def wall(request):
    return render(request, "demo_social/wall.html", {"posts": WallPost.objects.all()[:100]})


def detail(request, pk: int):
    post = get_object_or_404(WallPost, pk=pk)
    return render(request, "demo_social/post.html", {"post": post})
