app-name = Jiayi
