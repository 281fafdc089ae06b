from chengguan.cli.main import app

app()
